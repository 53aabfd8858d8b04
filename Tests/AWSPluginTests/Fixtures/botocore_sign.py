#!/usr/bin/env python3
"""Generates COUNT requests from SEED and signs each with botocore; prints JSON lines.

Used by BotocoreEquivalenceTests: our SigV4 must produce the same Authorization header (or presigned URL)
for every request. Each line: the request as our signer takes it (method, scheme, host, port, wire path,
decoded query items, headers, body, credentials, service, region, s3, presign, date) plus botocore's answer.
"""
import datetime
import json
import random
import sys
from unittest import mock
from urllib.parse import quote

import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

count = int(sys.argv[1]) if len(sys.argv) > 1 else 300
rng = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 4)

ALPHABET = ["a", "Z", "0", "-", "_", ".", "~", " ", "+", "=", "&", "%", "/", "?", "#", "é", "ሴ", "😀", "*", "'", "(", ")", ",", ";", ":", "@", "!", "$"]


def word(lo=0, hi=8):
    return "".join(rng.choice(ALPHABET) for _ in range(rng.randint(lo, hi)))


def enc(s):
    return quote(s, safe="-_.~")


def wire_path(s3):
    segs = []
    for _ in range(rng.randint(0, 4)):
        kind = rng.random()
        if kind < 0.1 and not s3:
            segs.append(rng.choice([".", "..", ""]))
        else:
            segs.append(quote(word(0, 6).replace("/", ""), safe="~"))
    path = "/" + "/".join(segs)
    if rng.random() < 0.3:
        path += "/"
    if s3 and rng.random() < 0.2:
        path = "/" + quote("key with spaces/and/ሴ/%2F" + word(), safe="/~")
    return path


for i in range(count):
    s3 = rng.random() < 0.35
    presign = rng.random() < 0.2
    service = "s3" if s3 else rng.choice(["sts", "ecr", "sqs", "execute-api"])
    region = rng.choice(["us-east-1", "eu-central-1", "ap-southeast-2"])
    scheme = rng.choice(["https", "http"])
    host = rng.choice(["example.amazonaws.com", "sts.us-east-1.amazonaws.com", "127.0.0.1", "bucket.s3.eu-central-1.amazonaws.com"])
    port = rng.choice([None, None, 443 if scheme == "https" else 80, 5000])
    path = wire_path(s3)
    query = []
    for _ in range(rng.randint(0, 5)):
        key = rng.choice(["Param1", "param1", "a", "B", "list-type", word(1, 5)])
        query.append([key, word(0, 6)])
        if rng.random() < 0.3:
            query.append([key, word(0, 4)])    # repeated key, different value
    if presign:
        # botocore's presigner parses the query into a dict: keep keys unique there.
        seen = {}
        for k, v in query:
            seen.setdefault(k, v)
        query = [[k, v] for k, v in seen.items()]
    headers = []
    for _ in range(rng.randint(0, 4)):
        name = rng.choice(["X-Amz-Meta-Note", "Content-Type", "x-custom", "My-Header1", "User-Agent", "Expect"])
        if any(h[0].lower() == name.lower() for h in headers):
            continue
        value = rng.choice(["value", "  padded  value  ", "a   b\tc", "UPPER", "application/x-www-form-urlencoded; charset=utf-8", "ü"])
        headers.append([name, value])
    if presign:
        # botocore's presigner drops this auto-set content type and moves a body into the query.
        headers = [h for h in headers if h[1] != "application/x-www-form-urlencoded; charset=utf-8"]
    body = "" if presign or rng.random() < 0.4 else word(0, 40)
    token = None if rng.random() < 0.5 else "FwoGZXIvYXdzE" + word(10, 30).replace(" ", "x")
    secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" if rng.random() < 0.5 else word(20, 40)
    date = datetime.datetime(2015 + rng.randint(0, 12), rng.randint(1, 12), rng.randint(1, 28),
                             rng.randint(0, 23), rng.randint(0, 59), rng.randint(0, 59), tzinfo=datetime.timezone.utc)
    unsigned = s3 and not presign and rng.random() < 0.5

    netloc = host + (f":{port}" if port else "")
    url = f"{scheme}://{netloc}{path}"
    if query:
        url += "?" + "&".join(f"{enc(k)}={enc(v)}" for k, v in query)
    request = AWSRequest(method=rng.choice(["GET", "PUT", "POST", "HEAD", "DELETE"]) if not presign else "GET",
                         url=url, headers=dict(headers), data=body.encode())
    method = request.method
    creds = Credentials("AKIDEXAMPLE", secret, token)
    if presign:
        auth = (botocore.auth.S3SigV4QueryAuth if s3 else botocore.auth.SigV4QueryAuth)(creds, service, region, expires=900)
    else:
        auth = (botocore.auth.S3SigV4Auth if s3 else botocore.auth.SigV4Auth)(creds, service, region)
    if unsigned:
        request.context["payload_signing_enabled"] = False
    with mock.patch("botocore.auth.get_current_datetime", return_value=date.replace(tzinfo=None)):
        auth.add_auth(request)
    out = {
        "index": i, "method": method, "url": url, "headers": headers, "body": body, "secret": secret, "token": token,
        "service": service, "region": region, "s3": s3, "presign": presign, "unsigned": unsigned,
        "date": date.strftime("%Y%m%dT%H%M%SZ"),
        "authorization": request.headers.get("Authorization"),
        "presigned_url": request.url if presign else None,
        # What botocore put in the canonical request as the payload (S3 over https: UNSIGNED-PAYLOAD).
        "payload_hash": request.headers.get("X-Amz-Content-SHA256"),
    }
    print(json.dumps(out, ensure_ascii=False))
