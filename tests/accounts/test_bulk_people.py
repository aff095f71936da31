"""People and student accounts in bulk (accounts.bulk_people): the one-time codes and unusable
passwords generated for thousands of accounts at once are of the same kind as the single ones, and
the accounts they make can be activated with their code."""

from collections import Counter

import pytest
from django.contrib.auth.hashers import is_password_usable

from accounts.bulk_people import (
    _one_time_codes,
    _unusable_passwords,
    code_hasher,
    person_accounts_create_many,
    persons_find_or_create_many,
)
from accounts.models import ActivationCode, AuditEntry, PersonName, User
from accounts.services import _CODE_ALPHABET, _hash_code, account_activate
from tests.accounts.factories import PersonFactory, valid_id_number


def test_bulk_codes_are_twelve_letters_of_the_alphabet_in_groups_of_four_all_different():
    codes = _one_time_codes(2000)
    assert len(codes) == len(set(codes)) == 2000
    for code in codes:
        groups = code.split("-")
        assert [len(g) for g in groups] == [4, 4, 4] and set("".join(groups)) <= set(_CODE_ALPHABET)
    # Every letter equally likely: 24,000 letters, 750 of each expected (well within 600-900).
    counts = Counter("".join(codes).replace("-", ""))
    assert set(counts) == set(_CODE_ALPHABET) and all(600 < n < 900 for n in counts.values())


def test_bulk_codes_hash_as_single_codes_do():
    hash_code = code_hasher()
    for code in _one_time_codes(5):
        assert hash_code(code) == _hash_code(code) == _hash_code(code.lower().replace("-", " "))


def test_bulk_unusable_passwords_are_djangos_kind_and_all_different():
    passwords = _unusable_passwords(1000)
    assert len(set(passwords)) == 1000
    assert all(p.startswith("!") and len(p) == 41 and not is_password_usable(p) for p in passwords)


@pytest.mark.django_db
def test_bulk_accounts_are_inactive_until_their_code_is_used(hubei_institution_user):
    people = [PersonFactory(), PersonFactory(), PersonFactory()]
    accounts = person_accounts_create_many(actor=hubei_institution_user, people=[(p.pk, p.name) for p in people],
                                           note="测试")
    assert [a.person_id for a in accounts] == [p.pk for p in people]
    users = {u.pk: u for u in User.objects.filter(person__in=people)}
    for account in accounts:
        user = users[account.user_id]
        assert (user.username, user.is_active, user.has_usable_password()) == (account.username, False, False)
        assert user.role_bindings.get().role == "student"
        stored = ActivationCode.objects.get(user=user)
        assert stored.code_hash == _hash_code(account.code) and account.code not in stored.code_hash
    assert account_activate(username=accounts[1].username, code=accounts[1].code, password="Xuesheng-2026!").is_active
    # Someone with an account already is left as they are.
    assert person_accounts_create_many(actor=hubei_institution_user, people=[(people[0].pk, people[0].name)]) == []
    assert AuditEntry.objects.filter(action="account.created").count() == 1


@pytest.mark.django_db
def test_people_are_found_by_identity_or_created_with_their_name_history(hubei_institution_user):
    known = PersonFactory(name="张三")
    new_number = valid_id_number()
    found = persons_find_or_create_many(actor=hubei_institution_user, people=[
        ("resident_id", known.id_number, "张叁"), ("resident_id", new_number, "李四"),
        ("resident_id", new_number, "李四四")])
    assert found[("resident_id", known.id_number)] == (known.pk, "张三", None, False)  # the name on file
    new = found[("resident_id", new_number)]
    assert new.name == "李四" and new.created and new.user_id is None
    assert list(PersonName.objects.filter(person_id=new.id).values_list("name", "recorded_by")) == [
        ("李四", hubei_institution_user.pk)]
