from . import test_activity_type
from . import test_protocol
from . import test_protocol_tour
from . import test_installed_base
from . import test_installed_base_backfill
from . import test_installed_base_tour
