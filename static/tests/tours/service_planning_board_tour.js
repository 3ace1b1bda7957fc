import { registry } from "@web/core/registry";
import { rpc } from "@web/core/network/rpc";

const BOARD = ".o_service_planning_board";
const JOB = "PB-TOUR-JOB";
const TARGET = "Board Technician B";

function pointer(type, element, x, y, buttons) {
    element.dispatchEvent(
        new PointerEvent(type, {
            bubbles: true,
            cancelable: true,
            composed: true,
            pointerId: 1,
            pointerType: "mouse",
            isPrimary: true,
            button: 0,
            buttons,
            clientX: x,
            clientY: y,
            view: window,
        })
    );
}

const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function jobItem() {
    return [...document.querySelectorAll(`${BOARD} .vis-item`)].find((item) =>
        item.textContent.includes(JOB)
    );
}

/** The row (in the items area) of the technician named ``name``. */
function technicianRow(name) {
    const labels = [...document.querySelectorAll(`${BOARD} .vis-labelset .vis-label`)];
    const index = labels.findIndex((label) => label.textContent.includes(name));
    return document.querySelectorAll(`${BOARD} .vis-foreground .vis-group`)[index];
}

registry.category("web_tour.tours").add("service_planning_board_tour", {
    steps: () => [
        {
            content: "The board shows the job of technician A, with its customer",
            trigger: `${BOARD} .vis-item:contains(${JOB}):contains(Board Customer)`,
        },
        {
            content: "The row of technician B is on the board",
            trigger: `${BOARD} .vis-labelset .vis-label:contains(${TARGET})`,
        },
        {
            content: "Select the job (a tap), then drag it onto technician B's row, later",
            trigger: `${BOARD} .vis-item:contains(${JOB})`,
            async run() {
                const item = jobItem();
                const box = item.getBoundingClientRect();
                const x = box.left + Math.min(box.width / 2, 20);
                const y = box.top + box.height / 2;
                // vis-timeline drags selected items only: tap it first
                pointer("pointerdown", item, x, y, 1);
                pointer("pointerup", item, x, y, 0);
                await delay(600);
                const row = technicianRow(TARGET).getBoundingClientRect();
                const toX = x + 80;
                const toY = row.top + row.height / 2;
                pointer("pointerdown", jobItem(), x, y, 1);
                const steps = 10;
                for (let i = 1; i <= steps; i++) {
                    await delay(20);
                    pointer(
                        "pointermove",
                        jobItem(),
                        x + ((toX - x) * i) / steps,
                        y + ((toY - y) * i) / steps,
                        1
                    );
                }
                await delay(50);
                pointer("pointerup", jobItem(), toX, toY, 0);
            },
        },
        {
            content: "The move is saved: the job belongs to technician B",
            trigger: `${BOARD} .vis-item:contains(${JOB})`,
            async run() {
                for (let attempt = 0; attempt < 50; attempt++) {
                    const [job] = await rpc("/web/dataset/call_kw/service.intervention/search_read", {
                        model: "service.intervention",
                        method: "search_read",
                        args: [[["name", "=", JOB]], ["technician_id"]],
                        kwargs: {},
                    });
                    if (job && job.technician_id && job.technician_id[1] === TARGET) {
                        return;
                    }
                    await delay(200);
                }
                throw new Error(`${JOB} was not given to ${TARGET}`);
            },
        },
        {
            content: "The board shows the job in technician B's row after reloading",
            trigger: `${BOARD} .vis-item:contains(${JOB})`,
            run() {
                const item = jobItem();
                const row = technicianRow(TARGET);
                if (!row.contains(item)) {
                    throw new Error(`${JOB} is not in the row of ${TARGET}`);
                }
            },
        },
    ],
});
