from . import service_installed_base_backfill
from . import service_invoice_wizard
from . import service_invoice_wizard_line
