from argon2 import PasswordHasher

from todo_core.passwords import hash_password, needs_rehash, verify_password


def test_hash_and_verify() -> None:
    hashed = hash_password("correct horse battery")
    assert hashed.startswith("$argon2id$") and "correct horse" not in hashed
    assert verify_password(hashed, "correct horse battery")
    assert not verify_password(hashed, "correct horse batterY")


def test_same_password_hashes_differently() -> None:
    assert hash_password("same password") != hash_password("same password")


def test_corrupt_hash_is_a_mismatch_not_a_crash() -> None:
    assert not verify_password("not-a-hash", "whatever")


def test_weaker_parameters_need_a_rehash() -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash("pw123456")
    assert needs_rehash(weak)
    assert not needs_rehash(hash_password("pw123456"))
