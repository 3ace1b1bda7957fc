# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The day-route problem and its solution with Google OR-Tools' routing
solver (a vehicle routing problem with time windows and breaks).

Plain Python, no ORM: ``service.route.stop`` builds the problem from the
records, the benchmark (tools/bench_routing.py) from random instances.

Times are integer minutes from an origin (the start of the day), distances
integer metres. Each technician (vehicle) leaves their start place no
earlier than their working time begins and is back at their end place when
it ends; their leaves are breaks in which they neither drive nor work. A job
is visited by one technician, starts inside its window, and is either
movable (dropped with a large penalty when it cannot fit, then left where it
is) or fixed (pinned, in progress or done: its technician and its start stay;
it only occupies the time).
"""

from dataclasses import dataclass, field

# dropping a movable job costs more than any day's driving (in metres)
DROP_PENALTY = 10_000_000
# a fixed job reached late costs this per minute (it stays where it is)
LATE_PENALTY = 100_000
HORIZON = 3 * 24 * 60


@dataclass
class Vehicle:
    key: object
    start: tuple  # place (lat, lon) or None
    end: tuple
    # free working intervals [(from, to)] in minutes, sorted
    free: list
    skills: frozenset = frozenset()


@dataclass
class Job:
    key: object
    place: tuple  # (lat, lon) or None: no travel to or from it
    duration: int
    vehicle: int  # index of its current technician
    start: int  # its current start
    window: tuple = (None, None)  # (earliest, latest) start
    fixed: bool = False
    skills: frozenset = frozenset()


@dataclass
class Route:
    vehicle: int
    # [(job index, start minute)] in visiting order
    visits: list = field(default_factory=list)


def _place_cost(matrix, a, b):
    if a is None or b is None or a == b:
        return (0.0, 0.0)
    return matrix.get((a, b), (0.0, 0.0))


def route_cost(matrix, vehicle, places):
    """(km, minutes) of driving from the vehicle's start through ``places``
    (None: no place, skipped) back to its end."""
    km = minutes = 0.0
    previous = vehicle.start
    for place in places:
        if place is None:
            continue
        if previous is not None:
            leg = _place_cost(matrix, previous, place)
            km += leg[0]
            minutes += leg[1]
        previous = place
    if previous is not None and vehicle.end is not None:
        leg = _place_cost(matrix, previous, vehicle.end)
        km += leg[0]
        minutes += leg[1]
    return km, minutes


def candidates(vehicles, job, allow_reassign):
    if job.fixed or not allow_reassign:
        return [job.vehicle]
    return [
        v
        for v, vehicle in enumerate(vehicles)
        if v == job.vehicle or job.skills <= vehicle.skills
    ]


def solve(vehicles, jobs, matrix, allow_reassign=False, time_limit=1.0):
    """Solve with OR-Tools.

    :param matrix: ``{(place a, place b): (km, minutes)}``
    :return: (list of Route, set of dropped job indexes) or None when
        OR-Tools finds no solution
    """
    # nodes: one start and one end per vehicle, then the jobs
    places = [v.start for v in vehicles] + [v.end for v in vehicles]
    places += [job.place for job in jobs]
    service = [0] * (2 * len(vehicles)) + [job.duration for job in jobs]
    manager, routing = _routing_model(len(places), len(vehicles))
    time = _add_costs(routing, manager, _cost_tables(places, matrix), service)
    service_of_index = [
        service[manager.IndexToNode(index)] for index in range(routing.Size())
    ]
    _constrain_vehicles(routing, time, vehicles, jobs, service_of_index)
    _constrain_jobs(routing, manager, time, vehicles, jobs, allow_reassign)
    solution = routing.SolveWithParameters(_search_parameters(time_limit))
    if not solution:
        return None
    routes = _read_routes(routing, manager, time, solution, len(vehicles))
    visited = {j for route in routes for j, _t in route.visits}
    return routes, {j for j in range(len(jobs)) if j not in visited}


def _routing_model(n_nodes, n_vehicles):
    """OR-Tools' index manager and model: vehicle ``v`` starts at node
    ``v`` and ends at node ``n_vehicles + v``."""
    # imported here: the add-on loads without it, Optimise Route says so
    from ortools.constraint_solver import pywrapcp  # noqa: PLC0415

    manager = pywrapcp.RoutingIndexManager(
        n_nodes,
        n_vehicles,
        list(range(n_vehicles)),
        list(range(n_vehicles, 2 * n_vehicles)),
    )
    return manager, pywrapcp.RoutingModel(manager)


def _cost_tables(places, matrix):
    """Integer metres and minutes between every two nodes."""
    metres = {}
    minutes = {}
    for i, a in enumerate(places):
        for j, b in enumerate(places):
            metres[i, j], minutes[i, j] = _node_cost(matrix, a, b)
    return metres, minutes


def _node_cost(matrix, a, b):
    """Integer (metres, minutes) from place ``a`` to place ``b``."""
    km, mins = _place_cost(matrix, a, b)
    return int(round(km * 1000)), int(round(mins))


def _add_costs(routing, manager, tables, service):
    """Driving metres as the cost, and the time dimension (driving plus the
    time spent at the previous node), which it returns."""
    metres, minutes = tables

    def distance_callback(from_index, to_index):
        return metres[manager.IndexToNode(from_index), manager.IndexToNode(to_index)]

    def time_callback(from_index, to_index):
        i = manager.IndexToNode(from_index)
        j = manager.IndexToNode(to_index)
        return service[i] + minutes[i, j]

    distance_index = routing.RegisterTransitCallback(distance_callback)
    routing.SetArcCostEvaluatorOfAllVehicles(distance_index)
    time_index = routing.RegisterTransitCallback(time_callback)
    routing.AddDimension(time_index, HORIZON, HORIZON, False, "Time")
    return routing.GetDimensionOrDie("Time")


def _search_parameters(time_limit):
    """Cheapest arc first, then guided local search for ``time_limit``
    seconds."""
    from ortools.constraint_solver import (  # noqa: PLC0415
        pywrapcp,
        routing_enums_pb2,
    )

    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = (
        routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    )
    params.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    )
    params.time_limit.FromMilliseconds(max(50, int(time_limit * 1000)))
    return params


def _read_routes(routing, manager, time, solution, n_vehicles):
    """The route of each vehicle in a solution."""
    return [
        _read_route(routing, manager, time, solution, v, n_vehicles)
        for v in range(n_vehicles)
    ]


def _read_route(routing, manager, time, solution, v, n_vehicles):
    """The route of the ``v``-th vehicle in a solution."""
    route = Route(v)
    index = solution.Value(routing.NextVar(routing.Start(v)))
    while not routing.IsEnd(index):
        j = manager.IndexToNode(index) - 2 * n_vehicles
        route.visits.append((j, solution.Min(time.CumulVar(index))))
        index = solution.Value(routing.NextVar(index))
    return route


def _constrain_vehicles(routing, time, vehicles, jobs, service_of_index):
    """Working time of each technician; their leaves as breaks."""
    for v, vehicle in enumerate(vehicles):
        free = vehicle.free or [(0, 0)]
        fixed = [job for job in jobs if job.fixed and job.vehicle == v]
        day_from = min([free[0][0]] + [job.start for job in fixed])
        day_to = max([free[-1][1]] + [job.start + job.duration for job in fixed])
        time.CumulVar(routing.Start(v)).SetRange(day_from, HORIZON)
        time.CumulVar(routing.End(v)).SetRange(0, day_to + _home_margin(fixed))
        routing.AddVariableMinimizedByFinalizer(time.CumulVar(routing.Start(v)))
        routing.AddVariableMinimizedByFinalizer(time.CumulVar(routing.End(v)))
        # leaves (and breaks of the working time) not taken by a fixed job
        gaps = subtract(
            [(b, c) for (_a, b), (c, _d) in zip(free, free[1:], strict=False)],
            [(job.start, job.start + job.duration) for job in fixed],
        )
        if gaps:
            _add_breaks(routing, time, v, gaps, service_of_index)


def _add_breaks(routing, time, v, gaps, service_of_index):
    """The ``v``-th vehicle neither drives nor works in these gaps."""
    intervals = [
        routing.solver().FixedDurationIntervalVar(b, b, c - b, False, f"gap {v} {b}")
        for b, c in gaps
    ]
    time.SetBreakIntervalsOfVehicle(intervals, v, service_of_index)


def _constrain_jobs(routing, manager, time, vehicles, jobs, allow_reassign):
    """Who may do each job and when it may start."""
    for j, job in enumerate(jobs):
        index = manager.NodeToIndex(2 * len(vehicles) + j)
        allowed = candidates(vehicles, job, allow_reassign)
        _constrain_job(routing, time, index, job, vehicles, allowed)


def _constrain_job(routing, time, index, job, vehicles, allowed):
    """Who may do a job and when it may start (a movable one may be dropped)."""
    if job.fixed:
        routing.VehicleVar(index).SetValues(allowed)
        _constrain_fixed_job(time, index, job)
    else:
        routing.VehicleVar(index).SetValues([-1] + allowed)
        _constrain_movable_job(time.CumulVar(index), vehicles, job, allowed)
        routing.AddDisjunction([index], DROP_PENALTY)


def _constrain_fixed_job(time, index, job):
    """A fixed job starts at its time, late at a cost."""
    time.CumulVar(index).SetMin(job.start)
    time.SetCumulVarSoftUpperBound(index, job.start, LATE_PENALTY)


def _constrain_movable_job(cumul, vehicles, job, allowed):
    """A movable job starts in its window, in its technicians' working time."""
    low, high = _job_bounds(vehicles, job, allowed)
    if low > high:
        high = low  # cannot fit: the disjunction drops it
    cumul.SetRange(low, high)
    if len(allowed) == 1:
        # outside the free intervals of its only technician
        _remove_gaps(cumul, vehicles[allowed[0]].free, job.duration, (low, high))


def _remove_gaps(cumul, free, duration, bounds):
    """A job of ``duration`` starts in none of the gaps between the free
    intervals (inside its ``bounds``)."""
    low, high = bounds
    for (_a, b), (c, _d) in zip(free, free[1:], strict=False):
        gap_from, gap_to = b - duration + 1, c - 1
        if gap_from <= gap_to and low <= gap_to and gap_from <= high:
            cumul.RemoveInterval(max(gap_from, low), min(gap_to, high))


def subtract(intervals, holes):
    """``intervals`` minus ``holes`` (both lists of (from, to))."""
    result = []
    for a, b in intervals:
        pieces = [(a, b)]
        for hole in holes:
            pieces = _cut(pieces, hole)
        result += pieces
    return result


def _cut(pieces, hole):
    """``pieces`` (from, to) minus one ``hole`` (from, to)."""
    c, d = hole
    return [
        piece
        for x, y in pieces
        for piece in ((x, min(y, c)), (max(x, d), y))
        if piece[1] > piece[0]
    ]


def _home_margin(fixed):
    # a fixed job at the end of the day may make the way home late
    return 24 * 60 if fixed else 0


def _job_bounds(vehicles, job, allowed):
    """Earliest and latest start of a movable job on any of its technicians."""
    low, last = _free_span(vehicles, allowed)
    high = last - job.duration if last is not None else -1
    return _narrow(low, high, job.window)


def _narrow(low, high, window):
    """(low, high) narrowed to ``window`` (earliest, latest; None: open)."""
    earliest, latest = window
    if earliest is not None:
        low = max(low, earliest)
    if latest is not None:
        high = min(high, latest)
    return low, high


def _free_span(vehicles, allowed):
    """First and last free minute of these technicians, or (0, None) when
    none of them has free time."""
    frees = [vehicles[v].free for v in allowed if vehicles[v].free]
    if not frees:
        return 0, None
    return min(free[0][0] for free in frees), max(free[-1][1] for free in frees)


def round_routes(vehicles, jobs, matrix, routes, step=5):
    """Start times rounded up to ``step`` minutes when the route stays
    feasible (windows, free time, fixed jobs), else as the solver gave them."""
    result = []
    for route in routes:
        rounded = _round_visits(vehicles[route.vehicle], jobs, matrix, route, step)
        result.append(Route(route.vehicle, rounded or list(route.visits)))
    return result


def _round_visits(vehicle, jobs, matrix, route, step):
    """The visits of a route with their starts rounded up, or None when one
    of them would break the route."""
    rounded = []
    place = vehicle.start
    clock = None  # when the technician may leave the previous stop
    for j, start in route.visits:
        job = jobs[j]
        arrival = None
        if clock is not None:
            arrival = clock + _drive(matrix, place, job.place)
        new = _rounded_start(vehicle, job, start, arrival, step)
        if new is None:
            return None
        rounded.append((j, new))
        clock = new + job.duration
        if job.place is not None:
            place = job.place
    return rounded


def _rounded_start(vehicle, job, start, arrival, step):
    """The rounded start of a visit (a fixed job's own), or None when it
    breaks the job's window, the free time or the drive to it."""
    if job.fixed:
        new = max(start, job.start)
        return None if arrival is not None and arrival > new else new
    new = _ceil(max(start, arrival or 0), step)
    return new if _fits(vehicle, job, new) else None


def _fits(vehicle, job, start):
    """A movable job may start at ``start``: not after its window, in the
    free time."""
    latest = job.window[1]
    if latest is not None and start > latest:
        return False
    return _inside(vehicle.free, start, start + job.duration)


def _ceil(value, step):
    return value if value % step == 0 else value + step - value % step


def violations(vehicle, jobs, matrix, visits):
    """What a technician's timed visits break: a window, the working time
    (or a leave), or the time to drive from the previous stop."""
    problems = []
    place = vehicle.start
    clock = None
    for j, start in visits:
        job = jobs[j]
        if not job.fixed:
            problems += _visit_problems(vehicle, job, start)
        if clock is not None and clock + _drive(matrix, place, job.place) > start:
            problems.append((job.key, "travel"))
        clock = start + job.duration
        if job.place is not None:
            place = job.place
    return problems


def _visit_problems(vehicle, job, start):
    """What a movable job's start breaks: its window, the working time."""
    problems = []
    if not _in_window(job.window, start):
        problems.append((job.key, "window"))
    if not _inside(vehicle.free, start, start + job.duration):
        problems.append((job.key, "working time"))
    return problems


def _in_window(window, start):
    """``start`` is in ``window`` (earliest, latest; None: open)."""
    earliest, latest = window
    return (earliest is None or start >= earliest) and (
        latest is None or start <= latest
    )


def _drive(matrix, a, b):
    """Whole minutes of driving from place ``a`` to place ``b``."""
    return int(round(_place_cost(matrix, a, b)[1]))


def _inside(free, start, stop):
    if not free:
        return True
    return any(a <= start and stop <= b for a, b in free)
