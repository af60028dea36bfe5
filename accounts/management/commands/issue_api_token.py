"""Issue (or rotate) an API token, optionally creating an integration client's service account.

    manage.py issue_api_token chengguan-system --service --full-name "城管局业务系统" \
        --role department_handler --department 410611-CG
    manage.py issue_api_token command            # a new token for an existing user

The key is printed once; the previous key of that user stops working. Audited (user.token.issue).
"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts import actions
from accounts.models import User
from areas.models import Area, Department


class Command(BaseCommand):
    help = "Issue an API token for a user; --service creates an integration client's account first."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--service", action="store_true", help="create a service account (no password)")
        parser.add_argument("--full-name", default="")
        parser.add_argument("--role", help="the service account's role (accounts/choices.py Role)")
        parser.add_argument("--area", help="area code the role is bound to")
        parser.add_argument("--department", help="department code the role is bound to")
        parser.add_argument("--note", default="", help="why (goes into the audit row)")

    def handle(self, *args, username, service, full_name, role, area, department, note, **options):
        try:
            if service:
                if not role or not (area or department):
                    raise CommandError("--service needs --role and --area or --department")
                area_obj = Area.objects.filter(code=area).first() if area else None
                department_obj = Department.objects.filter(code=department).first() if department else None
                if (area and area_obj is None) or (department and department_obj is None):
                    raise CommandError("unknown area or department code")
                user = actions.create_service_account(None, username=username, full_name=full_name or username,
                                                      role=role, area=area_obj, department=department_obj)
            else:
                user = User.objects.filter(username=username).first()
                if user is None:
                    raise CommandError(f"no user {username!r}")
            key = actions.issue_api_token(None, user, note=note)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(key)
