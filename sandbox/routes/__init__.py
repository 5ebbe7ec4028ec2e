"""Resource modules of the emulator; each exposes `routes: aiohttp.web.RouteTableDef` (see sandbox/README.md)."""
