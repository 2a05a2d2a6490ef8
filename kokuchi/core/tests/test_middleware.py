import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_an_english_browser_still_gets_japanese(client):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert "<h1>ログイン</h1>" in response.content.decode()


def test_english_when_chosen_with_the_language_switch(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="ja")
    assert "<h1>Log in</h1>" in response.content.decode()


def test_an_unsupported_cookie_falls_back_to_japanese(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    assert "<h1>ログイン</h1>" in client.get(reverse("login")).content.decode()


def test_a_nul_character_in_the_query_string_is_a_japanese_bad_request(client):
    response = client.get("/vulnerabilities/", {"q": "a\x00b"})
    assert response.status_code == 400
    assert "リクエストが正しくありません" in response.content.decode()


def test_a_nul_character_in_a_customer_link_is_a_bad_request(client):
    assert client.get("/ack/c/abc%00def/").status_code == 400
