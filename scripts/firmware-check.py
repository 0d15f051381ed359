"""The QEMU firmware tests' outside view, with kafka-python (code nobody here wrote).

  firmware-check.py create BOOTSTRAP TOPIC PARTITIONS
  firmware-check.py check BOOTSTRAP TOPIC
  firmware-check.py check-min BOOTSTRAP TOPIC

`check` consumes the whole topic and compares every record, byte for byte,
with the records the firmware is meant to have produced, derived here again
from examples/firmware/src/data.rs's description (not from its code): exactly
300 records, each once, in the right partition, with key, value, headers and
timestamp as specified. `check-min` does the same for what
examples/firmware/src/bin/producer-min.rs produces (as its doc comment
describes it): record i with no key, value i as 4 big-endian bytes, no
headers, in partition (i // 10) % 3.
"""
import sys
import time

from kafka import KafkaConsumer, TopicPartition
from kafka.admin import KafkaAdminClient, NewTopic

COUNT, PER_BATCH, PARTITIONS = 300, 10, 3
BASE_TS = 1_700_000_000_000


def expected(i):
    value = b"v%03d:" % i + b"sensor-reading;" * (1 + i % 4) + bytes((i * 7 + j) & 0xFF for j in range(i % 16))
    headers = [("seq", b"%d" % i), ("src", b"qemu-mps2-an386")]
    if i % 5 == 0:
        headers.append(("none", None))
    return {
        "partition": (i // PER_BATCH) % PARTITIONS,
        "key": b"key-%03d" % i,
        "value": value,
        "headers": headers,
        "timestamp": BASE_TS + 1000 * i,
    }


def create(bootstrap, topic, partitions):
    for attempt in range(20):
        try:
            admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5000)
            admin.create_topics([NewTopic(topic, int(partitions), 1)])
            admin.close()
            print(f"[check] created {topic} with {partitions} partitions")
            return
        except Exception as e:  # the broker may still be starting
            last = e
            time.sleep(0.5)
    sys.exit(f"[check] cannot create {topic}: {last!r}")


def expected_min(i):
    return {
        "partition": (i // PER_BATCH) % PARTITIONS,
        "key": None,
        "value": i.to_bytes(4, "big"),
        "headers": [],
        "timestamp": BASE_TS + 1000 * i,
    }


def index_full(m):
    key = m.key or b""
    return int(key[4:]) if key.startswith(b"key-") and key[4:].isdigit() else None


def index_min(m):
    return int.from_bytes(m.value, "big") if m.key is None and m.value and len(m.value) == 4 else None


def check_min(bootstrap, topic):
    check(bootstrap, topic, expected_min, index_min)


def check(bootstrap, topic, expected=expected, index=index_full):
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        consumer_timeout_ms=5000,
        request_timeout_ms=20000,
    )
    parts = [TopicPartition(topic, p) for p in range(PARTITIONS)]
    consumer.assign(parts)
    consumer.seek_to_beginning(*parts)
    ends = consumer.end_offsets(parts)
    seen = {}
    errors = []
    deadline = time.time() + 60
    while time.time() < deadline and any(consumer.position(tp) < ends[tp] for tp in parts):
        for tp, msgs in consumer.poll(timeout_ms=1000).items():
            for m in msgs:
                i = index(m)
                if i is None or not 0 <= i < COUNT:
                    errors.append(f"unexpected record (key {m.key!r}, value {m.value!r}) at {tp.partition}/{m.offset}")
                    continue
                if i in seen:
                    errors.append(f"record {i} twice (offsets {seen[i]} and {tp.partition}/{m.offset})")
                seen[i] = f"{tp.partition}/{m.offset}"
                want = expected(i)
                got = {
                    "partition": tp.partition,
                    "key": m.key,
                    "value": m.value,
                    "headers": [(k, v) for k, v in m.headers],
                    "timestamp": m.timestamp,
                }
                for field in want:
                    if got[field] != want[field]:
                        errors.append(f"record {i} {field}: got {got[field]!r}, want {want[field]!r}")
    consumer.close()
    missing = sorted(set(range(COUNT)) - set(seen))
    if missing:
        errors.append(f"{len(missing)} records missing, first {missing[:5]}")
    if errors:
        print("\n".join(f"[check] {e}" for e in errors[:20]))
        sys.exit(f"[check] {len(errors)} problems in {topic}")
    print(f"[check] kafka-python read {len(seen)} records of {topic}, every byte as specified, none twice "
          f"(end offsets {[ends[tp] for tp in parts]})")


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    {"create": create, "check": check, "check-min": check_min}[cmd](*args)
