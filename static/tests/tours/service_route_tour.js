import { registry } from "@web/core/registry";

// the page is never wider than the phone: no sideways scrolling, and no
// element of the screen sticks out of it
function fitsTheScreen(content, scope = ".o_action_manager .o_content") {
    return {
        content: `${content}: no sideways scrolling`,
        trigger: "body",
        run() {
            const screen = window.innerWidth;
            const width = document.documentElement.scrollWidth;
            if (width > screen) {
                throw new Error(`${content}: the page is ${width}px wide on a ${screen}px screen`);
            }
            const wide = [];
            for (const el of document.querySelectorAll(`${scope}, ${scope} *`)) {
                const rect = el.getBoundingClientRect();
                // Leaflet's panes and tiles live in their own clipped box
                if (!rect.width || !rect.height || el.closest(".leaflet-pane, .leaflet-control-container")) {
                    continue;
                }
                if (rect.left < -1 || rect.right > screen + 1) {
                    wide.push(
                        `${el.tagName.toLowerCase()}.${[...el.classList].join(".")} ` +
                            `"${el.textContent.trim().slice(0, 40)}" ${Math.round(rect.left)}..${Math.round(rect.right)}`
                    );
                }
            }
            if (wide.length) {
                throw new Error(`${content}: wider than the ${screen}px screen: ${wide.slice(0, 8).join("; ")}`);
            }
        },
    };
}

// every control found is a fingertip: at least 44 x 44 px
function bigEnough(content, selector, minimum = 1) {
    return {
        content: `${content}: at least 44 x 44 px`,
        trigger: "body",
        run() {
            const controls = [...document.querySelectorAll(selector)].filter(
                (el) => el.getBoundingClientRect().width > 0
            );
            if (controls.length < minimum) {
                throw new Error(`${content}: ${controls.length} control(s) found (${selector})`);
            }
            const small = controls
                .map((el) => [el, el.getBoundingClientRect()])
                .filter(([, rect]) => rect.width < 43.5 || rect.height < 43.5)
                .map(
                    ([el, rect]) =>
                        `"${(el.textContent || el.className).trim()}" ${Math.round(rect.width)}x${Math.round(rect.height)}`
                );
            if (small.length) {
                throw new Error(`${content}: smaller than 44 x 44 px: ${small.join("; ")}`);
            }
        },
    };
}

const FIRST = ".o_service_my_route_stop:nth-child(1)";
const SECOND = ".o_service_my_route_stop:nth-child(2)";

// the technician's route of the day on a 375-pixel phone
registry.category("web_tour.tours").add("service_my_route_tour", {
    steps: () => [
        {
            content: "The technician lands on today's jobs",
            trigger: ".o_service_my_day .o_kanban_record:contains(Route Stop One)",
        },
        bigEnough("My Route", ".o_service_my_route_toggle", 1),
        {
            content: "Open My Route",
            trigger: ".o_service_my_route_toggle[aria-expanded=false]",
            run: "click",
        },
        {
            content: "The stops in route order: the first stop first",
            trigger: `${FIRST}:contains(Route Stop One):contains(09:00)`,
        },
        {
            content: "then the second, with the kilometres from the first",
            trigger: `${SECOND}:contains(Route Stop Two):contains(11:00) .o_service_my_route_leg:contains(km)`,
        },
        {
            content: "Navigate drives to the first stop's place in the phone's maps app",
            trigger: `${FIRST} a.o_service_navigate[target=_blank]`,
            run() {
                const url = new URL(this.anchor.href);
                const expected = "44.494900,11.342600";
                if (
                    url.origin + url.pathname !== "https://www.google.com/maps/dir/" ||
                    url.searchParams.get("api") !== "1" ||
                    url.searchParams.get("destination") !== expected
                ) {
                    throw new Error(`Navigate goes to ${this.anchor.href}, not to ${expected}`);
                }
            },
        },
        {
            content: "The whole route is one link through both stops",
            trigger: "a.o_service_route_link",
            run() {
                const url = new URL(this.anchor.href);
                const places = [url.searchParams.get("waypoints"), url.searchParams.get("destination")].join("|");
                if (!places.includes("44.494900,11.342600") || !places.includes("44.506800,11.365000")) {
                    throw new Error(`the route link misses a stop: ${this.anchor.href}`);
                }
            },
        },
        {
            content: "The small map shows both stops, numbered",
            trigger: ".o_service_my_route .o_service_route_map .o_service_route_pin:contains(2)",
        },
        bigEnough("Navigate and the route link", ".o_service_navigate, .o_service_route_link", 3),
        fitsTheScreen("My Route"),
        {
            content: "Close My Route",
            trigger: ".o_service_my_route_toggle[aria-expanded=true]",
            run: "click",
        },
        {
            content: "The jobs are still there",
            trigger: ".o_service_my_day:not(:has(.o_service_my_route_panel)) .o_kanban_record:contains(Route Stop Two)",
        },
    ],
});

const MAP = ".o_service_board_map .o_service_day_routes";
const ROUTE = `${MAP} .o_service_route:contains(Route Technician)`;

const { DateTime } = luxon;

/** The day the board and its map open on: today, or Monday on a weekend. */
function firstDay() {
    const now = DateTime.now();
    return (now.weekday > 5 ? now.plus({ weeks: 1 }).startOf("week") : now).toISODate();
}

/** The test's day (see test_route_tour.py): the next working day, so that
 * Optimise Route may move every job whatever the time the test runs. */
function testDay() {
    const now = DateTime.now();
    return (now.weekday >= 5 ? now.plus({ weeks: 1 }).startOf("week") : now.plus({ days: 1 })).toISODate();
}

/** Pick the test's day in the map's day picker. */
function goToTestDay(scope) {
    return [
        {
            content: "Pick the day of the test's jobs",
            trigger: `${scope} input.o_service_day_date`,
            run() {
                this.anchor.value = testDay();
                this.anchor.dispatchEvent(new Event("change", { bubbles: true }));
            },
        },
        {
            content: "The map shows that day",
            trigger: `${scope}[data-date='${testDay()}']`,
        },
    ];
}

// the dispatcher optimises a technician's day from the map beside the board
registry.category("web_tour.tours").add("service_route_optimize_tour", {
    steps: () => [
        {
            content: "The board opens with the map of its first day beside it",
            trigger: `${MAP}[data-date='${firstDay()}']`,
        },
        {
            content: "The map's next day",
            trigger: `${MAP} .o_service_day_next`,
            run: "click",
        },
        {
            content: "is shown",
            trigger: `${MAP}:not([data-date='${firstDay()}'])`,
        },
        {
            content: "The board shows one day",
            trigger: ".o_service_planning_board .oe_timeline_button_scale_day",
            run: "click",
        },
        {
            content: "the map follows it",
            trigger: `${MAP}[data-date='${firstDay()}']`,
        },
        ...goToTestDay(MAP),
        {
            content: "The technician's route: three stops",
            trigger: `${ROUTE} .o_service_route_stop:nth-child(3)`,
        },
        {
            content: "The stops are numbered on the map, in the technician's colour",
            trigger: `${MAP} .o_service_route_map .o_service_route_pin:contains(3)`,
        },
        {
            content: "As entered, the farthest customer comes first",
            trigger: `${ROUTE} .o_service_route_stop:nth-child(1):contains(Far Customer)`,
        },
        {
            content: "The job without a place is listed",
            trigger: `${MAP} .o_service_route_missing:contains(Nowhere Customer)`,
        },
        {
            content: "Optimise Route",
            trigger: `${MAP} button.o_service_route_optimize`,
            run: "click",
        },
        {
            content: "The wizard opens on the map's day, for the technicians of the map",
            trigger: ".modal .o_form_view div[name=date]",
        },
        {
            content: "both technicians of the day",
            trigger: ".modal div[name=employee_ids]:contains(Route Technician):contains(Route Helper)",
        },
        {
            content: "Compute",
            trigger: ".modal .modal-footer button[name=action_compute]",
            run: "click",
        },
        {
            content: "It shows the kilometres before and after",
            trigger: ".modal div[name=line_ids] .o_data_row:contains(Route Technician)",
        },
        {
            content: "Accept",
            trigger: ".modal .modal-footer button[name=action_apply]",
            run: "click",
        },
        {
            content: "The map shows the new order: the nearest customer first",
            trigger: `body:not(:has(.modal)) ${ROUTE} .o_service_route_stop:nth-child(1):contains(Near Customer)`,
        },
        {
            content: "and the farthest last",
            trigger: `${ROUTE} .o_service_route_stop:nth-child(3):contains(Far Customer)`,
        },
        {
            content: "A stop opens its job",
            trigger: `${ROUTE} .o_service_route_stop:nth-child(1) button`,
            run: "click",
        },
        {
            content: "The job's form",
            trigger: ".o_form_view .o_field_widget[name=partner_id]:contains(Near Customer), .o_form_view .o_field_widget[name=partner_id] input:value(Near Customer)",
        },
    ],
});

// the day's map on a 375-pixel phone: a tap away below the board, and on
// its own as Day Routes
registry.category("web_tour.tours").add("service_day_routes_phone_tour", {
    steps: () => [
        {
            content: "On a phone the board opens without its map",
            trigger: ".o_service_planning_board:not(:has(.o_service_board_map))",
        },
        bigEnough("The Map button", "button.o_service_board_map_toggle", 1),
        {
            content: "Show the map",
            trigger: "button.o_service_board_map_toggle",
            run: "click",
        },
        ...goToTestDay(MAP),
        {
            content: "The day's routes above the board",
            trigger: `${ROUTE} .o_service_route_stop:nth-child(3)`,
        },
        fitsTheScreen("The map below the board", ".o_service_board_map"),
        bigEnough(
            "The day picker, Optimise Route and the stops",
            `${MAP} .o_service_day_routes_bar .btn, ${MAP} .o_service_day_date, ${MAP} .o_service_route_stop > .btn`,
            7
        ),
        {
            content: "The next day",
            trigger: `${MAP} .o_service_day_next`,
            run: "click",
        },
        {
            content: "has no job",
            trigger: `${MAP} .o_service_route_empty`,
        },
        {
            content: "Day Routes on its own",
            trigger: "body",
            expectUnloadPage: true,
            run() {
                window.location.href = "/odoo/day-routes";
            },
        },
        ...goToTestDay(".o_service_day_routes_action .o_service_day_routes"),
        {
            content: "The whole screen for the day's map",
            trigger: ".o_service_day_routes_action .o_service_route:contains(Route Technician) .o_service_route_stop:nth-child(3)",
        },
        {
            content: "The stops are numbered on the map",
            trigger: ".o_service_day_routes_action .o_service_route_pin:contains(3)",
        },
        fitsTheScreen("Day Routes"),
    ],
});
