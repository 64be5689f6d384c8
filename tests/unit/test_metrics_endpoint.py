"""GET /metrics answers the metrics store (a direct scrape of the pod) and nobody who came
through the Ingress: the proxy's X-Forwarded-For marks a request from the internet."""

from fastapi import FastAPI
from fastapi.testclient import TestClient

from todo_web.api import observability


def _client() -> TestClient:
    app = FastAPI()
    app.include_router(observability.router)
    return TestClient(app)


def test_a_direct_scrape_gets_the_metrics() -> None:
    response = _client().get("/metrics")
    assert response.status_code == 200
    assert "todo_http_requests" in response.text or "# HELP" in response.text


def test_a_request_through_a_proxy_gets_nothing() -> None:
    client = _client()
    for header in ({"X-Forwarded-For": "203.0.113.7"}, {"Forwarded": "for=203.0.113.7"}):
        response = client.get("/metrics", headers=header)
        assert response.status_code == 404, header
        assert "# HELP" not in response.text
