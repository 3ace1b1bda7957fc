from . import service_installed_base_backfill
from . import service_invoice_wizard
from . import service_invoice_wizard_line
from . import service_lot_register
from . import service_protocol_launch
from . import service_preventive_preview
from . import service_preventive_preview_line
from . import service_intervention_plan
