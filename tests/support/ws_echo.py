"""A strict WebSocket echo server for the end-to-end fix tests: the
`websockets` library's server, which rejects a handshake that is not a
proper HTTP/1.1 upgrade (missing Upgrade/Connection headers, HTTP/1.0).

Usage: python3 ws_echo.py PORT  (prints "ready" once listening)."""
import asyncio
import sys

from websockets.asyncio.server import serve


async def echo(websocket):
    async for message in websocket:
        await websocket.send(message)


async def main(port):
    async with serve(echo, "127.0.0.1", port):
        print("ready", flush=True)
        await asyncio.Future()


asyncio.run(main(int(sys.argv[1])))
