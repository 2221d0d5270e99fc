from __future__ import annotations


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_readyz_reports_schema_at_head(client, app):
    saved = app.state.settings
    app.state.settings = saved.model_copy(update={"readyz_details": True})
    try:
        response = client.get("/readyz")
    finally:
        app.state.settings = saved
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ready"
    assert set(body["schema_heads"]) == app.state.expected_heads


def test_openapi_operation_ids_are_unique_and_documented(client):
    spec = client.get("/openapi.json").json()
    seen = set()
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            op_id = operation.get("operationId")
            assert op_id, f"{method} {path} has no operationId"
            assert op_id not in seen, op_id
            assert "_" not in op_id, f"{op_id} looks generated"
            assert operation.get("summary"), f"{method} {path} has no summary"
            seen.add(op_id)
