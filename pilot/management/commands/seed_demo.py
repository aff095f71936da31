from django.core.management.base import BaseCommand

from pilot.demo import DEMO_PASSWORD, seed_demo


class Command(BaseCommand):
    help = "Load the demo pilot (idempotent) and print the demo accounts."

    def handle(self, *args, **options):
        personas = seed_demo(self.stdout)
        self.stdout.write(self.style.SUCCESS("演示数据已就绪 / demo data ready"))
        self.stdout.write("")
        self.stdout.write(f"{'用户名 username':<18} {'角色 role':<22} 单位 / scope")
        for username, role, label in personas:
            self.stdout.write(f"{username:<18} {str(role):<22} {label}")
        self.stdout.write("")
        self.stdout.write(f"密码 password: {DEMO_PASSWORD}")
        self.stdout.write("教育部和省级账户登录后需输入动态验证码；演示环境在验证页面直接显示当前验证码。")
        self.stdout.write("Ministry and province accounts need a TOTP code; in the demo the code page shows it.")
