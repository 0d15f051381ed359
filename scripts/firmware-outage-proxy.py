"""A TCP relay that makes the broker go away in the middle of a run, the
way a broker restart looks to a client, while the broker keeps its state.

  firmware-outage-proxy.py LISTEN_PORT BROKER_PORT DROP_AT OUTAGE_S

It relays one client at a time to 127.0.0.1:BROKER_PORT and reads the
client's frames. When the client's DROP_AT-th Produce request has been
forwarded, it waits for the broker's answer, throws it away (the broker has
written the batch; the client never learns it), closes the client's
connection and refuses new ones for OUTAGE_S seconds. A client that resends
the batch without idempotence would write it twice; an idempotent one is
told DUPLICATE_SEQUENCE_NUMBER. A frame no broker could accept (after the
UART lost bytes while disconnected) also closes the connection, as a broker would.

Why not a real restart: Tansu 0.6 as installed here has the memory:// and
s3:// engines (the `dynostore` feature); with memory:// a restart loses the
log and the producer state, so nothing could show that no record was lost.
"""
import socket
import sys
import threading
import time

listen_port, broker_port, drop_at, outage = (int(a) for a in sys.argv[1:5])
produces = 0
dropped = False


def log(msg):
    print(f"[proxy] {msg}", flush=True)


def relay(src, dst, stop):
    try:
        while not stop.is_set():
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    stop.set()


def serve(client):
    """Relays until either side closes; returns True when it dropped."""
    global produces, dropped
    broker = socket.create_connection(("127.0.0.1", broker_port))
    stop = threading.Event()
    back = threading.Thread(target=lambda: None)
    buf = b""
    drop_next = False
    # Broker -> client: normal relay, unless the answer is to be dropped.
    def answers():
        nonlocal drop_next
        pending = b""
        try:
            while not stop.is_set():
                data = broker.recv(65536)
                if not data:
                    break
                if not drop_next:
                    client.sendall(data)
                    continue
                pending += data
                if len(pending) >= 4 and len(pending) >= 4 + int.from_bytes(pending[:4], "big"):
                    log(f"dropped the answer to produce #{produces} ({len(pending)} bytes)")
                    break
        except OSError:
            pass
        stop.set()
    back = threading.Thread(target=answers, daemon=True)
    back.start()
    try:
        client.settimeout(0.2)
        while not stop.is_set():
            try:
                data = client.recv(65536)
            except socket.timeout:
                continue
            if not data:
                break
            buf += data
            while len(buf) >= 8:
                size = int.from_bytes(buf[:4], "big", signed=True)
                api, version = int.from_bytes(buf[4:6], "big", signed=True), int.from_bytes(buf[6:8], "big", signed=True)
                if size < 4 or size > 1 << 20 or not (0 <= api < 100) or not (0 <= version < 30):
                    log(f"invalid frame (size {size}, api {api}); closing as a broker would")
                    stop.set()
                    break
                if len(buf) < 4 + size:
                    break
                frame, buf = buf[: 4 + size], buf[4 + size :]
                if api == 0:
                    produces += 1
                    if produces == drop_at and not dropped:
                        drop_next = True
                        dropped = True
                broker.sendall(frame)
    except OSError:
        pass
    stop.set()
    back.join(timeout=10)
    for s in (client, broker):
        try:
            s.close()
        except OSError:
            pass
    return drop_next


def main():
    while True:
        srv = socket.socket()
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        srv.bind(("127.0.0.1", listen_port))
        srv.listen(1)
        log(f"listening on {listen_port}")
        client, _ = srv.accept()
        srv.close()
        if serve(client):
            log(f"broker down for {outage} s")
            time.sleep(outage)
            log("broker back")
        else:
            log("connection closed")


if __name__ == "__main__":
    main()
