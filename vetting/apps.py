from django.apps import AppConfig
from django.db.models.signals import post_migrate


class VettingConfig(AppConfig):
    name = "vetting"
    verbose_name = "Clinic Vetting"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from vetting import checks  # noqa: F401  (registers the system checks)
        from vetting.permissions import grant_admin_role_permissions

        # Model permissions exist only after every app has migrated, so the
        # admin role's grants are refreshed after each migrate, not in a migration.
        post_migrate.connect(grant_admin_role_permissions, dispatch_uid="vetting-admin-perms")
