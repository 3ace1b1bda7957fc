from . import service_installed_base_backfill
