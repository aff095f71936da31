from django.core.management.base import BaseCommand

from core.base_url import served_base_url_record
from pilot.demo import DEMO_PASSWORD, seed_demo


class Command(BaseCommand):
    help = ("Load the demo pilot and print the demo accounts. Idempotent: when the demo data is there already, "
            "it is left as it is. --rebuild empties the database and builds the demo again from scratch.")

    def add_arguments(self, parser):
        parser.add_argument("--rebuild", action="store_true",
                            help="delete every row of the database (flush) and build the demo again")
        parser.add_argument("--base-url", default="",
                            help="the address the portal will be served on (recorded for links outside production)")

    def handle(self, *args, **options):
        if options["base_url"]:

            served_base_url_record(options["base_url"])
        personas, built = seed_demo(self.stdout, rebuild=options["rebuild"])
        if built:
            self.stdout.write(self.style.SUCCESS("演示数据已就绪 / demo data ready"))
        else:
            self.stdout.write("演示数据已存在，未作改动（重建请运行 seed_demo --rebuild） / demo data already present, "
                              "left unchanged (seed_demo --rebuild builds it again)")
        self.stdout.write("")
        self.stdout.write(f"{'用户名 username':<18} {'角色 role':<22} 单位 / scope")
        for username, role, label in personas:
            self.stdout.write(f"{username:<18} {str(role):<22} {label}")
        self.stdout.write("")
        self.stdout.write(f"密码 password: {DEMO_PASSWORD}")
        self.stdout.write("教育部和省级账户登录后需输入动态验证码；演示环境在验证页面直接显示当前验证码。")
        self.stdout.write("Ministry and province accounts need a TOTP code; in the demo the code page shows it.")
