"""GET / greets, GET /health answers ok; `flask --app app.main run` or gunicorn `app.main:app`."""
from flask import Flask, request

app = Flask(__name__)


def greeting(name: str) -> str:
    """Greets name, or the world when it is blank."""
    name = name.strip()
    return f"hello, {name or 'world'}"


@app.get("/")
def index() -> str:
    return greeting(request.args.get("name", "")) + "\n"


@app.get("/health")
def health() -> str:
    return "ok\n"
