import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from connections.crypto import TokenDecryptionError, token_decrypt, token_encrypt, token_reencrypt


def test_a_token_round_trips_and_the_ciphertext_does_not_contain_it(settings):
    settings.TOKEN_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    secret = "1f2e3d4c-0000-4000-8000-123456789abc"
    ciphertext = token_encrypt(secret)
    assert secret not in ciphertext
    assert token_decrypt(ciphertext) == secret


def test_every_configured_key_decrypts_and_the_first_encrypts(settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.TOKEN_ENCRYPTION_KEYS = [old]
    written_with_old = token_encrypt("tok")
    settings.TOKEN_ENCRYPTION_KEYS = [new, old]
    assert token_decrypt(written_with_old) == "tok"
    rotated = token_reencrypt(written_with_old)
    settings.TOKEN_ENCRYPTION_KEYS = [new]
    assert token_decrypt(rotated) == "tok"
    with pytest.raises(TokenDecryptionError):
        token_decrypt(written_with_old)


def test_a_malformed_key_is_named_without_echoing_it(settings):
    settings.TOKEN_ENCRYPTION_KEYS = ["not-a-fernet-key-at-all"]
    with pytest.raises(ImproperlyConfigured) as error:
        token_encrypt("tok")
    assert "key number 1" in str(error.value)
    assert "not-a-fernet-key-at-all" not in str(error.value)


def test_no_token_stays_empty():
    assert token_encrypt("") == ""
    assert token_decrypt("") == ""
