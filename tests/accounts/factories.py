import datetime
import itertools

import factory

from accounts.identity import gb11643_check_char
from accounts.models import Person, PersonName, RoleBinding, User

_serial = itertools.count(1)


def valid_id_number(birth: datetime.date = datetime.date(2002, 1, 1), region: str = "420106") -> str:
    body = f"{region}{birth:%Y%m%d}{next(_serial) % 1000:03d}"
    return body + gb11643_check_char(body)


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person
        skip_postgeneration_save = True

    class Params:
        birth = datetime.date(2002, 1, 1)

    id_type = "resident_id"
    id_number = factory.LazyAttribute(lambda o: valid_id_number(o.birth))
    name = factory.Sequence(lambda n: f"学员{n}")

    @factory.post_generation
    def history(self, create, extracted, **kwargs):
        if create:
            PersonName.objects.create(person=self, name=self.name, reason="首次登记")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"用户{n}")
    is_active = True
    password = factory.PostGenerationMethodCall("set_password", "Test-Passw0rd!")

    @factory.post_generation
    def _save(self, create, extracted, **kwargs):
        if create:
            self.save()


def bind(user, role, *, province=None, scope_id=None):
    return RoleBinding.objects.create(user=user, role=role, province=province, scope_id=scope_id)
