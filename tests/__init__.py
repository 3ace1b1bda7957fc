from . import test_activity_type
from . import test_protocol
from . import test_protocol_tour
