from app.main import app, greeting


def test_greeting_defaults_to_world() -> None:
    assert greeting("  ") == "hello, world"


def test_index_greets_by_name() -> None:
    response = app.test_client().get("/?name=ada")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "hello, ada\n"
