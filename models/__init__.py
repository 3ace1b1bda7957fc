from . import res_company
from . import res_config_settings
from . import service_activity_type
from . import service_protocol
from . import service_protocol_step
