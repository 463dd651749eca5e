"""A downstream consumer of TriPlane in Python: drop a scan, wait for its metrics, download its segmentation.

    python consumer.py STACK_JSON [--put IMAGE LABELS] [--volume ID] [--out DIR] [--timeout SECONDS]

--put uploads IMAGE and its reference LABELS into the bucket's inbox with boto3 at its default settings (as
ingest names them: inbox/<folder>/<name>.nii.gz and <name>_seg.nii.gz) and waits for that volume. The consumer
reads triplane.metrics in a group of its own with isolation_level=read_committed (metrics-service publishes in
transactions: each request's metrics arrive once), downloads results/<volumeId>/<requestId>/segmentation.nii.gz
and prints the per-structure Dice. Without --put or --volume it prints every volume's metrics until stopped.
Exits 1 when the wanted volume's metrics do not arrive within --timeout.

STACK_JSON is what `triplane up` writes (.triplane/stack.json): the Kafka bootstrap servers, the S3 endpoint,
keys and bucket. This example speaks PLAINTEXT Kafka, the local stack's default.
"""
import argparse
import hashlib
import json
import os
import sys
import time
import uuid

import boto3
from kafka import KafkaConsumer

TOPIC = "triplane.metrics"


def main():
    args = parse_args()
    with open(args.stack) as f:
        stack = json.load(f)
    kafka = stack["kafka"]["properties"]
    if kafka.get("spring.kafka.security.protocol", "PLAINTEXT") != "PLAINTEXT":
        sys.exit("this example speaks PLAINTEXT Kafka; the stack uses " + kafka["spring.kafka.security.protocol"])
    s3 = boto3.client("s3", endpoint_url=stack["s3"]["url"], region_name=stack["s3"]["region"],
                      aws_access_key_id=stack["s3"]["accessKey"], aws_secret_access_key=stack["s3"]["secretKey"])
    bucket = stack["bucket"]

    volume_id = args.volume
    if args.put:
        volume_id = put(s3, bucket, *args.put)

    consumer = KafkaConsumer(TOPIC, bootstrap_servers=kafka["spring.kafka.bootstrap-servers"].split(","),
                             group_id=args.group, isolation_level="read_committed", auto_offset_reset="earliest",
                             enable_auto_commit=False)
    deadline = time.monotonic() + args.timeout if volume_id else float("inf")
    try:
        while time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=500).values():
                for record in records:
                    metrics = json.loads(record.value)
                    if volume_id is None or metrics["volumeId"] == volume_id:
                        show(s3, bucket, metrics, args.out)
                        if volume_id:
                            consumer.commit()
                            return 0
    finally:
        consumer.close()
    print(f"no metrics of volume {volume_id} on {TOPIC} within {args.timeout} s", file=sys.stderr)
    return 1


def put(s3, bucket, image, labels):
    """Uploads a scan and its labels into a folder of its own; returns the volume id (the image file's SHA-256)."""
    folder = "inbox/example-python-" + uuid.uuid4().hex[:8] + "/"
    name = os.path.basename(image).removesuffix(".nii.gz")
    s3.upload_file(labels, bucket, folder + name + "_seg.nii.gz")
    s3.upload_file(image, bucket, folder + name + ".nii.gz")
    for o in s3.list_objects_v2(Bucket=bucket, Prefix=folder)["Contents"]:
        print("put", o["Key"], o["Size"], "bytes")
    with open(image, "rb") as f:
        volume_id = hashlib.sha256(f.read()).hexdigest()
    print("volume", volume_id, "dropped; waiting for its metrics on", TOPIC, flush=True)
    return volume_id


def show(s3, bucket, metrics, out):
    """Downloads the request's segmentation and prints its Dice per structure."""
    volume_id, request_id = metrics["volumeId"], metrics["requestId"]
    key = f"results/{volume_id}/{request_id}/segmentation.nii.gz"
    os.makedirs(out, exist_ok=True)
    path = os.path.join(out, f"{volume_id[:12]}-{request_id}.nii.gz")
    s3.download_file(bucket, key, path)
    print(f"volume {volume_id} request {request_id} (dataset {metrics['datasetTag']})")
    print(f"segmentation {key} -> {path} ({os.path.getsize(path)} bytes)")
    print(f"{'id':<4} {'structure':<24} {'Dice':>8}")
    for s in metrics["structures"]:
        dice = s["dice"]  # "NaN" when the metric does not exist
        print(f"{s['id']:<4} {s['name']:<24} {float(dice):8.4f}")
    sys.stdout.flush()


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("stack", help="stack.json of `triplane up`")
    p.add_argument("--put", nargs=2, metavar=("IMAGE", "LABELS"), help="drop this scan and wait for it")
    p.add_argument("--volume", help="wait for this volume's metrics")
    p.add_argument("--group", default="triplane-example-python", help="consumer group")
    p.add_argument("--out", default="segmentations", help="download folder")
    p.add_argument("--timeout", type=float, default=300, help="seconds to wait for the volume's metrics")
    return p.parse_args()


if __name__ == "__main__":
    sys.exit(main())
