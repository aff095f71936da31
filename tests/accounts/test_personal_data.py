"""The one personal-data policy: relations, decisions, masking, and the README generated from it."""

from pathlib import Path

import pytest

from accounts.access import Access, Permissions
from accounts.personal_data import POLICY, Field, Relation, Shown, policy_markdown, relations_of, render, shown
from accounts.scoping import actor_for, anonymous_actor
from core.errors import Forbidden

ID = "420106200305151234"


def test_every_field_has_a_decision_for_the_person_and_for_public_pages():
    assert set(POLICY) == set(Field)
    for field, row in POLICY.items():
        assert set(row) <= set(Relation), field
        assert row.get(Relation.PUBLIC, Shown.HIDDEN) != Shown.FULL, field


@pytest.mark.parametrize(("relation", "expected"), [
    (Relation.SELF, ID), (Relation.INSTITUTION, ID), (Relation.ORG, ID),
    (Relation.ALLIANCE, "420***********1234"), (Relation.PROVINCE, "420***********1234"),
    (Relation.MINISTRY, "420***********1234"), (Relation.OTHER, None), (Relation.PUBLIC, None),
])
def test_id_numbers_in_full_only_to_the_person_and_the_institution_and_org_handling_them(relation, expected):
    assert render(Field.ID_NUMBER, frozenset({relation}), ID) == expected


def test_the_most_open_relation_wins():
    assert render(Field.PHONE, frozenset({Relation.INSTITUTION}), "13800000000") is None
    assert render(Field.PHONE, frozenset({Relation.INSTITUTION, Relation.CREATOR}), "13800000000") == "13800000000"


def test_scores_are_released_when_the_session_is_finalized_except_to_the_assessing_org():
    assert shown(Field.SCORE, frozenset({Relation.SELF}), released=False) == Shown.HIDDEN
    assert shown(Field.SCORE, frozenset({Relation.SELF}), released=True) == Shown.FULL
    assert shown(Field.SCORE, frozenset({Relation.ORG}), released=False) == Shown.FULL
    assert shown(Field.SCORE, frozenset({Relation.PUBLIC}), released=True) == Shown.HIDDEN


def test_names_are_masked_on_public_pages():
    assert render(Field.NAME, frozenset({Relation.PUBLIC}), "张小三") == "张*三"


def test_relations_of_each_persona(hubei_institution, hubei_institution_user, hubei_alliance_user, org_a, org_a_user,
                                   org_b_user, student_user, student_person, social_learner_user, ministry_user,
                                   hubei_user, hubei_agency_user, shandong_institution_user):
    record = {"person_id": student_person.pk, "institution_id": hubei_institution.pk, "org_id": org_a.pk}
    expect = {
        student_user: {Relation.SELF}, social_learner_user: {Relation.OTHER},
        hubei_institution_user: {Relation.INSTITUTION}, shandong_institution_user: {Relation.OTHER},
        hubei_alliance_user: {Relation.ALLIANCE}, org_a_user: {Relation.ORG}, org_b_user: {Relation.OTHER},
        ministry_user: {Relation.MINISTRY}, hubei_user: {Relation.PROVINCE}, hubei_agency_user: {Relation.PROVINCE},
    }
    for user, relations in expect.items():
        assert relations_of(actor_for(user), **record) == relations, user.username
    assert relations_of(anonymous_actor(), **record) == {Relation.PUBLIC}
    # The alliance — the case that leaked — sees the ID number masked.
    alliance = relations_of(actor_for(hubei_alliance_user), **record)
    assert render(Field.ID_NUMBER, alliance, ID) == "420***********1234"


def test_access_flags_and_rendering():
    access = Access(obj="certificate", relations=frozenset({Relation.ALLIANCE}), may={"download_pdf"})
    assert isinstance(access.may, Permissions)
    assert access.may.download_pdf and not access.may.write
    assert access.require("download_pdf") == "certificate"
    with pytest.raises(Forbidden):
        access.require("write")
    assert access.show("id_number", ID) == "420***********1234"


def test_the_readme_table_is_the_policy():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    assert policy_markdown() in readme, "regenerate the README's who-sees-what table from accounts.personal_data"
