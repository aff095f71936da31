import factory

from organizations.models import Alliance, Institution, Org
from organizations.validators import credit_code_check_char


def valid_credit_code(n: int) -> str:
    body = f"9111010{n:010d}"[:17]
    return body + credit_code_check_char(body)


class OrgFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Org

    name = factory.Sequence(lambda n: f"培训评价组织{n}")
    credit_code = factory.Sequence(valid_credit_code)
    org_type = Org.OrgType.ENTERPRISE
    batch_number = 1


class AllianceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Alliance

    name = factory.Sequence(lambda n: f"院校联盟{n}")


class InstitutionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Institution

    name = factory.Sequence(lambda n: f"职业技术学院{n}")
    school_code = factory.Sequence(lambda n: f"41{n:08d}")
    institution_type = Institution.InstitutionType.HIGHER_VOCATIONAL
    city = "武汉市"


def school_code(n: int, province_code: str = "42") -> str:
    """A 10-digit national school code (学校标识码) in the shape 41 + province + six digits."""
    return f"41{province_code}{n:06d}"
