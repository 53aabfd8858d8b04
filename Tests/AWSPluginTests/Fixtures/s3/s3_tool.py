#!/usr/bin/env python3
"""boto3 on the other side of the tests: what S3 really holds, checked with AWS's own client.

    s3_tool.py ENDPOINT create-bucket BUCKET
    s3_tool.py ENDPOINT sha256 BUCKET KEY             -> sha256 hex of the object, or "missing"
    s3_tool.py ENDPOINT checksum BUCKET KEY           -> the stored x-amz-checksum-sha256, and whether it is the base64
                                                         SHA-256 of the stored bytes: "VALUE ok" / "VALUE mismatch"
    s3_tool.py ENDPOINT uploads BUCKET                -> JSON list of keys with multipart uploads in progress
    s3_tool.py ENDPOINT start-partial BUCKET KEY FILE PART_SIZE N
                                                      -> starts a multipart upload of FILE and sends only its first
                                                         N parts (an agent that crashed mid-upload); prints the ID
    s3_tool.py ENDPOINT user NAME ACTION[,ACTION…]      -> creates an IAM user allowed only those actions (on "*") and
                                                         prints {"access_key", "secret_key"}: moto enforces IAM policies

Credentials: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY from the environment.
"""
import hashlib
import json
import sys

import boto3
import botocore.exceptions

endpoint, command, *rest = sys.argv[1:]
s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")

if command == "create-bucket":
    s3.create_bucket(Bucket=rest[0])
elif command == "sha256":
    try:
        body = s3.get_object(Bucket=rest[0], Key=rest[1])["Body"]
    except botocore.exceptions.ClientError as e:
        if e.response["Error"]["Code"] in ("NoSuchKey", "404"):
            print("missing")
            sys.exit(0)
        raise
    h = hashlib.sha256()
    for chunk in iter(lambda: body.read(1 << 20), b""):
        h.update(chunk)
    print(h.hexdigest())
elif command == "checksum":
    import base64
    r = s3.get_object(Bucket=rest[0], Key=rest[1], ChecksumMode="ENABLED")
    stored = r.get("ChecksumSHA256", "none")
    actual = base64.b64encode(hashlib.sha256(r["Body"].read()).digest()).decode()
    print(stored, "ok" if stored == actual else "mismatch")
elif command == "uploads":
    r = s3.list_multipart_uploads(Bucket=rest[0])
    print(json.dumps([u["Key"] for u in r.get("Uploads", [])]))
elif command == "start-partial":
    bucket, key, path, part_size, n = rest[0], rest[1], rest[2], int(rest[3]), int(rest[4])
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    with open(path, "rb") as f:
        for number in range(1, n + 1):
            s3.upload_part(Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=number, Body=f.read(part_size))
    print(upload_id)
elif command == "user":
    name, actions = rest[0], rest[1].split(",")
    iam = boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1")
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="only", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]}))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    print(json.dumps({"access_key": key["AccessKeyId"], "secret_key": key["SecretAccessKey"]}))
else:
    sys.exit(f"unknown command {command}")
