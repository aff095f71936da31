import pytest

from accounts.models import Person, Province, RoleBinding
from accounts.scoping import actor_for, get_in_scope, scoped
from core.errors import Forbidden, NotInScope
from organizations.institutions.models import Enrolment, Institution
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def enrolments(hubei_institution, shandong_institution, student_person):
    from tests.accounts.factories import PersonFactory

    mine = Enrolment.objects.create(person=student_person, institution=hubei_institution, major_name="软件技术")
    other = Enrolment.objects.create(person=PersonFactory(), institution=shandong_institution, major_name="物流管理")
    return mine, other


def test_ministry_sees_everything(ministry_user, enrolments):
    assert scoped(Enrolment, actor_for(ministry_user)).count() == 2


def test_province_sees_its_own_province_only(hubei_user, shandong_user, enrolments, hubei_institution):
    mine, other = enrolments
    assert list(scoped(Enrolment, actor_for(hubei_user))) == [mine]
    assert list(scoped(Enrolment, actor_for(shandong_user))) == [other]
    assert list(scoped(Institution, actor_for(hubei_user))) == [hubei_institution]
    assert list(scoped(Province, actor_for(hubei_user)).values_list("code", flat=True)) == ["42"]


def test_institution_sees_its_own_students(hubei_institution_user, shandong_institution_user, enrolments):
    mine, other = enrolments
    assert list(scoped(Enrolment, actor_for(hubei_institution_user))) == [mine]
    assert list(scoped(Enrolment, actor_for(shandong_institution_user))) == [other]


def test_alliance_acts_for_its_member_institutions(hubei_alliance_user, enrolments, hubei_institution):
    mine, _other = enrolments
    actor = actor_for(hubei_alliance_user)
    assert actor.scope.institution_ids == frozenset({hubei_institution.pk})
    assert list(scoped(Enrolment, actor)) == [mine]


def test_student_sees_only_themself(student_user, social_learner_user, enrolments):
    mine, _other = enrolments
    assert list(scoped(Enrolment, actor_for(student_user))) == [mine]
    assert list(scoped(Person, actor_for(student_user))) == [student_user.person]
    assert scoped(Enrolment, actor_for(social_learner_user)).count() == 0


def test_org_sees_nothing_without_a_path(org_a_user, enrolments):
    assert scoped(Enrolment, actor_for(org_a_user)).count() == 0


def test_user_without_a_role_sees_nothing(enrolments):
    user = UserFactory()
    actor = actor_for(user)
    assert actor.binding is None
    assert scoped(Enrolment, actor).count() == 0
    assert scoped(Institution, actor).count() == 0


def test_deactivated_user_sees_nothing(hubei_user, enrolments):
    hubei_user.is_active = False
    assert scoped(Enrolment, actor_for(hubei_user)).count() == 0


def test_outside_scope_is_not_found_and_read_only_refuses_writes(hubei_user, shandong_institution,
                                                                 hubei_institution, hubei_institution_user):
    with pytest.raises(NotInScope):
        get_in_scope(Institution, actor_for(hubei_user), pk=shandong_institution.pk)
    # The province may write its institutions; the institution itself may only read its record.
    assert get_in_scope(Institution, actor_for(hubei_user), for_write=True, pk=hubei_institution.pk)
    with pytest.raises(Forbidden):
        get_in_scope(Institution, actor_for(hubei_institution_user), for_write=True, pk=hubei_institution.pk)


def test_actor_uses_the_chosen_binding_only_if_it_is_the_users(hubei_user, shandong, ministry_user):
    second = RoleBinding.objects.create(user=hubei_user, role="province_agency", province=shandong)
    assert actor_for(hubei_user, second.pk).province_code == "37"
    foreign = ministry_user.role_bindings.first()
    assert actor_for(hubei_user, foreign.pk).province_code == "42"
