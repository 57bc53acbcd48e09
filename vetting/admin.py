from django.contrib import admin

from vetting.models import Vendor, WorkerCheck


@admin.register(Vendor)
class VendorAdmin(admin.ModelAdmin):
    list_display = ["name", "country", "website", "created_at"]
    search_fields = ["name", "country"]
    list_filter = ["country"]


@admin.register(WorkerCheck)
class WorkerCheckAdmin(admin.ModelAdmin):
    list_display = ["pk", "requested_by", "requested_at", "completed_at", "worker"]
    readonly_fields = ["requested_by", "requested_at", "completed_at", "worker"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
