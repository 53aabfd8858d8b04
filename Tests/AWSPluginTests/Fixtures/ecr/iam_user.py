#!/usr/bin/env python3
"""Creates an IAM user in moto with one inline policy and prints its access key as JSON.

    iam_user.py ENDPOINT ADMIN_KEY ADMIN_SECRET USER_NAME POLICY_JSON

moto enforces the actions of identity policies once signature checking is on, so a user made here is refused
what its policy does not allow (AccessDenied): the ECR tests use it to check that each refusal names the
missing permission. Output: {"access_key", "secret_key"}.
"""
import json
import sys

import boto3

endpoint, key, secret, name, policy = sys.argv[1:6]
iam = boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=key, aws_secret_access_key=secret)
try:
    iam.create_user(UserName=name)
except iam.exceptions.EntityAlreadyExistsException:
    pass
iam.put_user_policy(UserName=name, PolicyName="only", PolicyDocument=policy)
created = iam.create_access_key(UserName=name)["AccessKey"]
print(json.dumps({"access_key": created["AccessKeyId"], "secret_key": created["SecretAccessKey"]}))
