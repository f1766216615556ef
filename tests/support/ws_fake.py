"""A misbehaving WebSocket server, for the probe's classifications.

Usage: python3 ws_fake.py PORT MODE  (prints "ready" once listening)

  bad-accept    answers 101 with a Sec-WebSocket-Accept not computed from
                the request's key
  close CODE    completes the handshake, then sends a close frame with CODE
                and reason "fake close" and waits for the client's close
  drop          completes the handshake, then closes the TCP connection
                without a close frame (1006)
  silent        accepts connections and never answers
  mute          completes the handshake, then reads frames and answers none
  pong-once     completes the handshake, answers the first ping only
  reserved-bits completes the handshake, then sends a frame with RSV1 set
  no-upgrade-header  answers 101 without an Upgrade header"""
import base64
import hashlib
import socket
import struct
import sys
import threading
import time

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def read_head(conn):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            return None
        data += chunk
    return data.decode("latin-1")


def key_of(head):
    for line in head.split("\r\n")[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "sec-websocket-key":
            return value.strip()
    return ""


def answer(conn, accept, upgrade=True):
    conn.sendall(
        (
            "HTTP/1.1 101 Switching Protocols\r\n"
            + ("Upgrade: websocket\r\n" if upgrade else "")
            + "Connection: Upgrade\r\n"
            f"Sec-WebSocket-Accept: {accept}\r\n\r\n"
        ).encode()
    )


def recv_exact(conn, n):
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


def read_frame(conn):
    """One client frame: (opcode, unmasked payload)."""
    b0, b1 = recv_exact(conn, 2)
    length = b1 & 0x7F
    if length == 126:
        length = struct.unpack("!H", recv_exact(conn, 2))[0]
    elif length == 127:
        length = struct.unpack("!Q", recv_exact(conn, 8))[0]
    mask = recv_exact(conn, 4) if b1 & 0x80 else b"\0\0\0\0"
    payload = bytes(b ^ mask[i % 4] for i, b in enumerate(recv_exact(conn, length)))
    return b0 & 0x0F, payload


def handle(conn, mode, args):
    try:
        if mode == "silent":
            time.sleep(60)
            return
        head = read_head(conn)
        if head is None:
            return
        right = base64.b64encode(hashlib.sha1((key_of(head) + GUID).encode()).digest()).decode()
        if mode == "bad-accept":
            answer(conn, base64.b64encode(hashlib.sha1(b"not the key").digest()).decode())
            time.sleep(2)
            return
        if mode == "no-upgrade-header":
            answer(conn, right, upgrade=False)
            time.sleep(2)
            return
        answer(conn, right)
        if mode == "reserved-bits":
            conn.sendall(b"\xc1\x02hi")
            time.sleep(2)
            return
        if mode in ("mute", "pong-once"):
            pongs = 1 if mode == "pong-once" else 0
            try:
                while True:
                    opcode, payload = read_frame(conn)
                    if opcode == 0x9 and pongs > 0:
                        pongs -= 1
                        conn.sendall(bytes([0x8A, len(payload)]) + payload)
            except (EOFError, OSError):
                return
        if mode == "drop":
            time.sleep(0.2)
            return
        if mode == "close":
            reason = b"fake close"
            payload = struct.pack("!H", int(args[0])) + reason
            conn.sendall(bytes([0x88, len(payload)]) + payload)
            conn.settimeout(2)
            try:
                while conn.recv(4096):
                    pass
            except OSError:
                pass
    finally:
        conn.close()


def main():
    port, mode, args = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(16)
    print("ready", flush=True)
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=handle, args=(conn, mode, args), daemon=True).start()


main()
