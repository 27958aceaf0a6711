"""The inference gateway's HTTP API: routes requests to model workers and reports health."""
