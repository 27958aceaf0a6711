"""Request routing: which model serves a request, chosen by a stable hash of the tenant."""

import hashlib
import json

MODELS = ("small", "medium", "large")


def pick_model(tenant, size_hint=None):
    if size_hint in MODELS:
        return size_hint
    digest = hashlib.sha256(tenant.encode("utf-8")).digest()
    return MODELS[digest[0] % len(MODELS)]


def handle(path, body):
    if path == "/health":
        return 200, {"status": "ok"}
    if path == "/v1/complete":
        request = json.loads(body or b"{}")
        tenant = str(request.get("tenant", "anonymous"))
        model = pick_model(tenant, request.get("model"))
        return 202, {"queued": True, "model": model, "tenant": tenant}
    return 404, {"error": f"no route for {path}"}
