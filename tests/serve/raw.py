#!/usr/bin/env python3
"""Raw TLS and TCP clients for tests/serve/serve.sh (standard library only).

  raw.py send PORT CAFILE REQUEST
      Connect with TLS (verifying CAFILE, host 127.0.0.1), write REQUEST
      (Python escapes: \\r \\n \\\\) in one write, read until the server
      closes, print what arrived.  The last line on stderr says how the
      connection ended: "end: close_notify", "end: eof" (TCP closed without
      close_notify), "end: reset" or "end: timeout".
  raw.py silent PORT [PREFIX_HEX]
      TCP connect, send PREFIX (e.g. the first bytes of a ClientHello)
      or nothing, print the seconds until the server hangs up.
  raw.py idle PORT CAFILE
      TLS connect, one keep-alive GET /, then wait: print the seconds
      until the server closes, then "end: ..." as for send.
  raw.py hold PORT CAFILE SECONDS
      TLS connect, one keep-alive GET /, print its status line, wait
      SECONDS (the script reloads the server meanwhile), then another GET /
      on the same connection: print its status line and the serial of the
      certificate this connection was made with.
  raw.py stall PORT CAFILE PATH SECONDS
      TLS connect, GET PATH, read once, stop reading for SECONDS, then
      read until the server closes: print the bytes received (head
      included), then "end: ..." as for send.
  raw.py drip PORT CAFILE SECONDS
      TLS connect, send a request head one byte every 0.5 s, never
      finishing it (slowloris), for at most SECONDS: print the seconds
      until the server hung up, then "end: ...".
  raw.py slowbody PORT CAFILE LENGTH CHUNK INTERVAL SECONDS
      TLS connect, send "POST /p1.txt" with Content-Length LENGTH, then
      CHUNK bytes of the body every INTERVAL seconds for at most
      SECONDS: print the seconds until the server hung up (or "still
      open"), then "end: ...".
  raw.py unread PORT CAFILE PATH N SECONDS
      N TLS connections, each sends GET PATH and never reads the
      response; after SECONDS print "held" and close them all.
  raw.py hellos PORT N SIZE SECONDS
      N TCP connections, each sends one record of SIZE bytes (at most
      16384) of a ClientHello 4 bytes longer, then nothing;
      prints "sent", waits SECONDS, then prints how many the server
      closed ("closed K of N").
  raw.py flood PORT N SECONDS
      N TCP connections that say nothing, held SECONDS; prints "flooding"
      once they are made.
  raw.py twice PORT CAFILE PATH SECONDS
      TLS connect, GET PATH (keep-alive), print its status line, wait
      SECONDS, GET PATH again on the same connection, print its status.
All waits are bounded (20 s).
"""
import socket
import ssl
import sys
import time


def ctx(cafile):
    c = ssl.create_default_context(cafile=cafile)
    c.minimum_version = ssl.TLSVersion.TLSv1_3
    return c


def tls(port, cafile):
    s = socket.create_connection(("127.0.0.1", port), timeout=20)
    return ctx(cafile).wrap_socket(s, server_hostname="127.0.0.1", suppress_ragged_eofs=False)


def read_all(t):
    """Everything until the server closes, and how it closed."""
    got = b""
    while True:
        try:
            b = t.recv(65536)
        except ssl.SSLEOFError:
            return got, "eof"
        except (ConnectionResetError, BrokenPipeError):
            return got, "reset"
        except socket.timeout:
            return got, "timeout"
        except ssl.SSLError as e:
            return got, "tls-error " + str(e)
        if not b:
            return got, "close_notify"
        got += b


def read_response(t):
    """One response with a Content-Length body (enough for these tests)."""
    buf = b""
    while b"\r\n\r\n" not in buf:
        b = t.recv(65536)
        if not b:
            raise EOFError("closed before a response")
        buf += b
    head, _, body = buf.partition(b"\r\n\r\n")
    n = 0
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == b"content-length":
            n = int(v)
    while len(body) < n:
        body += t.recv(65536)
    return head.split(b"\r\n")[0].decode(), body


def main():
    mode = sys.argv[1]
    port = int(sys.argv[2])
    if mode == "send":
        req = sys.argv[4].encode().decode("unicode_escape").encode("latin-1")
        t = tls(port, sys.argv[3])
        t.sendall(req)
        got, how = read_all(t)
        sys.stdout.buffer.write(got)
        sys.stdout.flush()
        print("end: " + how, file=sys.stderr)
    elif mode == "silent":
        s = socket.create_connection(("127.0.0.1", port), timeout=20)
        if len(sys.argv) > 3:
            s.sendall(bytes.fromhex(sys.argv[3]))
        t0 = time.monotonic()
        try:
            while s.recv(4096):
                pass
        except ConnectionResetError:
            pass
        except socket.timeout:
            print("timeout")
            return 1
        print("%.2f" % (time.monotonic() - t0))
    elif mode == "idle":
        t = tls(port, sys.argv[3])
        t.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        read_response(t)
        t0 = time.monotonic()
        _, how = read_all(t)
        print("%.2f" % (time.monotonic() - t0))
        print("end: " + how, file=sys.stderr)
    elif mode == "hold":
        t = tls(port, sys.argv[3])
        t.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        print(read_response(t)[0], flush=True)
        time.sleep(float(sys.argv[4]))
        t.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        print(read_response(t)[0])
        der = t.getpeercert(binary_form=True)
        print("serial %X" % x509_serial(der))
    elif mode == "stall":
        t = tls(port, sys.argv[3])
        t.sendall(b"GET " + sys.argv[4].encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        first = t.recv(65536)
        time.sleep(float(sys.argv[5]))
        got, how = read_all(t)
        print(len(first) + len(got))
        print("end: " + how, file=sys.stderr)
    elif mode == "drip":
        t = tls(port, sys.argv[3])
        t.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        t0 = time.monotonic()
        t.settimeout(0.5)
        how = "still open"
        while time.monotonic() - t0 < float(sys.argv[4]):
            try:
                t.sendall(b"a")
                if not t.recv(65536):
                    how = "close_notify"
                    break
            except socket.timeout:
                continue
            except (ssl.SSLError, OSError) as e:
                how = "closed (%s)" % type(e).__name__
                break
        print("%.2f" % (time.monotonic() - t0))
        print("end: " + how, file=sys.stderr)
    elif mode == "unread":
        conns = []
        for _ in range(int(sys.argv[5])):
            t = tls(port, sys.argv[3])
            # A small receive buffer: the data stays on the server's side.
            t.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            t.sendall(b"GET " + sys.argv[4].encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            conns.append(t)
        print("connected", flush=True)
        time.sleep(float(sys.argv[6]))
        print("held", flush=True)
    elif mode == "hellos":
        import select
        n, size, secs = int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
        # A record of SIZE bytes: a ClientHello header claiming a body of
        # SIZE bytes (within the engine's ClientHello limit for SIZE <=
        # 16384), then SIZE - 4 of them; the last 4 never come.
        body = bytes([1]) + size.to_bytes(3, "big") + b"\x03\x03" + b"\x00" * (size - 6)
        rec = b"\x16\x03\x01" + len(body).to_bytes(2, "big") + body
        socks = []
        for _ in range(n):
            s = socket.create_connection(("127.0.0.1", port), timeout=20)
            s.sendall(rec)
            socks.append(s)
        print("sent", flush=True)
        time.sleep(secs)
        closed = 0
        for s in socks:
            r, _, _ = select.select([s], [], [], 0)
            if r:
                try:
                    if not s.recv(4096):
                        closed += 1
                    else:
                        closed += 1     # an alert, then the close
                except OSError:
                    closed += 1
        print("closed %d of %d" % (closed, n), flush=True)
    elif mode == "flood":
        socks = [socket.create_connection(("127.0.0.1", port), timeout=20) for _ in range(int(sys.argv[3]))]
        print("flooding", flush=True)
        time.sleep(float(sys.argv[4]))
        for s in socks:
            s.close()
    elif mode == "twice":
        t = tls(port, sys.argv[3])
        req = b"GET " + sys.argv[4].encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
        t.sendall(req)
        print(read_response(t)[0], flush=True)
        time.sleep(float(sys.argv[5]))
        t.sendall(req)
        print(read_response(t)[0], flush=True)
    elif mode == "slowbody":
        length, chunk = int(sys.argv[4]), int(sys.argv[5])
        interval, limit = float(sys.argv[6]), float(sys.argv[7])
        t = tls(port, sys.argv[3])
        t.sendall(b"POST /p1.txt HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: %d\r\n\r\n" % length)
        t0 = time.monotonic()
        t.settimeout(interval)
        how, sent, gone = "still open", 0, None
        while time.monotonic() - t0 < limit and sent < length:
            try:
                t.sendall(b"a" * min(chunk, length - sent))
                sent += chunk
                while True:     # read what came back (the 405) without blocking long
                    b = t.recv(65536)
                    if not b:
                        how = "close_notify"
                        gone = time.monotonic()
                        break
            except socket.timeout:
                continue
            except (ssl.SSLError, OSError) as e:
                how = "closed (%s)" % type(e).__name__
                gone = time.monotonic()
            if gone:
                break
        print("%.2f" % ((gone or time.monotonic()) - t0) if gone else "still open")
        print("end: " + how, file=sys.stderr)
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


def x509_serial(der):
    """The serial number of a DER certificate (ssl gives no parsed form
    of an unverified binary certificate, so read the few DER headers)."""
    def tlv(b, i):
        tag = b[i]
        n = b[i + 1]
        i += 2
        if n & 0x80:
            k = n & 0x7F
            n = int.from_bytes(b[i:i + k], "big")
            i += k
        return tag, i, n
    _, i, _ = tlv(der, 0)          # Certificate
    _, i, _ = tlv(der, i)          # TBSCertificate
    if der[i] == 0xA0:             # [0] version
        _, j, n = tlv(der, i)
        i = j + n
    _, j, n = tlv(der, i)          # serialNumber
    return int.from_bytes(der[j:j + n], "big")


if __name__ == "__main__":
    sys.exit(main())
