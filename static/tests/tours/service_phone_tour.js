import { registry } from "@web/core/registry";

// the page is never wider than the phone: no sideways scrolling, and no
// element of the screen or of its dialog sticks out of it
function fitsTheScreen(content) {
    return {
        content: `${content}: no sideways scrolling`,
        trigger: "body",
        run() {
            const screen = window.innerWidth;
            const width = document.documentElement.scrollWidth;
            if (width > screen) {
                throw new Error(`${content}: the page is ${width}px wide on a ${screen}px screen`);
            }
            const scope = document.querySelector(".modal:last-of-type .modal-content")
                ? ".modal:last-of-type .modal-content"
                : ".o_action_manager .o_content";
            const wide = [];
            for (const el of document.querySelectorAll(`${scope}, ${scope} *`)) {
                const rect = el.getBoundingClientRect();
                // the chatter's invisible file drop hook is no element one sees;
                // a sent email's body in the chatter scrolls on its own (Odoo
                // pads its hidden preview with invisible characters)
                if (
                    !rect.width ||
                    !rect.height ||
                    el.matches(".oe-dropzone-hook, .o-mail-Message-body > .overflow-x-auto")
                ) {
                    continue;
                }
                if (rect.left < -1 || rect.right > screen + 1 || el.scrollWidth > el.clientWidth + 1) {
                    const style = getComputedStyle(el);
                    // a box that scrolls its own content sideways counts too,
                    // not one that merely hides an overflow of a pixel or two
                    if (rect.left >= -1 && rect.right <= screen + 1 && style.overflowX === "hidden") {
                        continue;
                    }
                    if (rect.left >= -1 && rect.right <= screen + 1 && style.overflowX === "visible") {
                        continue;
                    }
                    wide.push(
                        `${el.tagName.toLowerCase()}.${[...el.classList].join(".")}` +
                            `[name=${el.getAttribute("name") || ""}] ` +
                            `in ${el.parentElement.className} ` +
                            `"${el.textContent.trim().slice(0, 60)}" ` +
                            `${Math.round(rect.left)}..${Math.round(rect.right)} (scroll ${el.scrollWidth}/${el.clientWidth})`
                    );
                }
            }
            if (wide.length) {
                throw new Error(
                    `${content}: wider than the ${screen}px screen: ${wide.slice(0, 8).join("; ")}`
                );
            }
        },
    };
}

// every control found is a fingertip: at least 44 x 44 px (Odoo's mobile buttons)
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
                        `"${(el.textContent || el.getAttribute("name") || el.className).trim()}" ` +
                        `${Math.round(rect.width)}x${Math.round(rect.height)}`
                );
            if (small.length) {
                throw new Error(`${content}: smaller than 44 x 44 px: ${small.join("; ")}`);
            }
        },
    };
}

// the customer draws his signature with a finger: the pad opens in Draw
const signByHand = [
    {
        content: "Open the signature pad",
        trigger: ".modal .o_field_widget[name=signature] .o_signature",
        run: "click",
    },
    {
        content: "The pad opens in Draw, not in Auto",
        trigger: ".modal .o_web_sign_draw_button.active",
    },
    bigEnough("The signature pad's modes", ".modal .o_web_sign_name_and_signature .card-header .btn", 3),
    fitsTheScreen("The signature pad"),
    {
        content: "The customer signs with a finger",
        trigger: ".modal canvas.o_web_sign_signature",
        async run(helpers) {
            await helpers.drag_and_drop(".modal canvas.o_web_sign_signature", {
                position: { top: 60, left: 200 },
                relative: true,
            });
        },
    },
    {
        content: "Adopt the signature",
        trigger: ".modal .modal-footer button.btn-primary:contains(Adopt):enabled",
        run: "click",
    },
];

registry.category("web_tour.tours").add("service_phone_day_tour", {
    steps: () => [
        {
            content: "The technician lands on today's jobs",
            trigger: ".o_service_my_day .o_kanban_record:contains(Phone Customer Srl)",
        },
        {
            content: "The card shows the street once, the map and the call links",
            trigger: ".o_kanban_record:contains(Via Roma 1):has(.o_service_map_link):has(.o_service_call_link)",
        },
        fitsTheScreen("Today"),
        {
            content: "Today, Next Days and Done are switches on the screen, Today on",
            trigger: ".o_service_day_switch button[data-filter=today][aria-pressed=true]",
        },
        bigEnough(
            "Today's switches, map and call links",
            ".o_service_day_switch .btn, .o_service_map_link, .o_service_call_link",
            5
        ),
        {
            content: "See the next days",
            trigger: ".o_service_day_switch button[data-filter=next_days]",
            run: "click",
        },
        {
            content: "Next Days is on, alone",
            trigger: ".o_service_day_switch:not(:has(button[data-filter=today][aria-pressed=true])) button[data-filter=next_days][aria-pressed=true]",
        },
        {
            content: "Today's job is not among the next days'",
            trigger: ".o_service_my_day:not(:has(.o_kanban_record:contains(Phone Customer Srl)))",
        },
        {
            content: "Back to today",
            trigger: ".o_service_day_switch button[data-filter=today][aria-pressed=false]",
            run: "click",
        },
        {
            content: "Today is on again",
            trigger: ".o_service_day_switch button[data-filter=today][aria-pressed=true]",
        },
        {
            content: "Open today's job",
            trigger: ".o_service_my_day .o_kanban_record:contains(Phone Customer Srl)",
            run: "click",
        },
        {
            content: "A technician creates no job and cancels none",
            trigger: ".o_form_view:not(:has(button[name=action_cancel]))",
        },
        {
            content: "No New button either",
            trigger: "body:not(:has(.o_form_button_create))",
        },
        bigEnough("Start and Close Job", ".o_service_job_block .btn", 1),
        bigEnough("Add Hours, Part, Travel", ".o_form_view div[name=add_work] .btn", 3),
        {
            content: "The job's tabs fit the screen, Notes among them",
            trigger: ".o_form_view .o_notebook .nav-link:contains(Notes)",
            run() {
                const screen = window.innerWidth;
                for (const link of document.querySelectorAll(".o_form_view .o_notebook .nav-link")) {
                    const rect = link.getBoundingClientRect();
                    if (rect.left < 0 || rect.right > screen + 1) {
                        throw new Error(
                            `the tab "${link.textContent.trim()}" is off the screen (${Math.round(rect.left)}..${Math.round(rect.right)})`
                        );
                    }
                }
            },
        },
        bigEnough("The job's tabs", ".o_form_view .o_notebook .nav-link", 3),
        bigEnough(
            "The job's fields and the arrows opening the customer and the site",
            [
                ".o_service_job_form .o_form_sheet .o_field_widget:not(.o_readonly_modifier) .o_input:not([type=checkbox])",
                ".o_service_job_form .o_external_button",
                ".o_service_job_form .o_form_statusbar .btn",
            ].join(", "),
            2
        ),
        {
            content: "Start the timer",
            trigger: ".o_form_view button[name=action_timer_start]",
            run: "click",
        },
        {
            content: "The timer runs",
            trigger: ".o_form_view button[name=action_timer_pause]",
        },
        {
            content: "Its time is shown",
            trigger: ".o_form_view .o_service_timer",
        },
        bigEnough("Pause and Stop", ".o_service_job_block .btn", 2),
        fitsTheScreen("The job"),
        {
            content: "Stop the timer",
            trigger: ".o_form_view button[name=action_timer_stop]",
            run: "click",
        },
        {
            content: "The time became an activity line to check",
            trigger: ".modal .o_form_view div[name=activity_type_id] input:value(Phone Repair)",
        },
        fitsTheScreen("The hours dialog"),
        bigEnough("The hours dialog's buttons", ".modal .modal-footer .btn", 2),
        {
            content: "Keep it",
            trigger: ".modal .modal-footer button.btn-primary:contains(Save)",
            run: "click",
        },
        {
            content: "Add a part",
            trigger: "body:not(:has(.modal)) .o_form_view button[name=action_add_part]",
            run: "click",
        },
        {
            content: "Type the part's barcode",
            trigger: ".modal div[name=scan_code] input",
            run: "edit 8001234567890",
        },
        {
            content: "Confirm the code",
            trigger: ".modal .modal-title",
            run: "click",
        },
        {
            content: "The part is found",
            trigger: ".modal div[name=product_id] input:value(Phone Gasket)",
        },
        fitsTheScreen("The part dialog"),
        {
            content: "Save the part",
            trigger: ".modal .modal-footer button.btn-primary:contains(Save)",
            run: "click",
        },
        {
            content: "The work lines are cards, the part among them",
            trigger: "body:not(:has(.modal)) .o_form_view div[name=line_ids] .o_kanban_record:contains(Phone Gasket)",
        },
        bigEnough("The step's check on its card", ".o_service_line_cards .o_field_boolean_icon .btn", 1),
        {
            content: "The checklist is a list of rows, not a table",
            trigger: ".o_form_view div[name=step_line_ids]:not(:has(table)) .o_kanban_record:contains(Check the flue)",
        },
        bigEnough("The checklist's toggles", ".o_form_view div[name=step_line_ids] div[name=done] .o-checkbox, .o_form_view div[name=step_line_ids] div[name=done] input", 1),
        {
            content: "Tick the mandatory step",
            trigger: ".o_form_view div[name=step_line_ids] .o_kanban_record:contains(Check the flue) div[name=done] input",
            run: "click",
        },
        {
            content: "Save the job",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "Saved",
            trigger: ".o_form_saved",
        },
        fitsTheScreen("The job with its work"),
        {
            content: "Close the job",
            trigger: ".o_form_view button[name=action_close_job]",
            run: "click",
        },
        {
            content: "The summary shows what the customer pays",
            trigger: ".modal div[name=amount_total]",
        },
        fitsTheScreen("The close-out"),
        bigEnough("The close-out's buttons", ".modal .modal-footer .btn", 2),
        {
            content: "Customer name",
            trigger: ".modal .o_field_widget[name=signed_by] input",
            run: "edit Mario Rossi",
        },
        ...signByHand,
        {
            content: "Done and send the report",
            trigger: ".modal .modal-footer button[name=action_done_and_send]",
            run: "click",
        },
        {
            content: "The job is done",
            trigger: "body:not(:has(.modal)) .o_form_view .o_statusbar_status:contains(Done)",
        },
    ],
});

// a job whose protocol is done in part, for a customer without email: the
// planned work left goes to a follow-up job, the report to an address typed
registry.category("web_tour.tours").add("service_phone_close_tour", {
    steps: () => [
        {
            content: "Open today's job",
            trigger: ".o_service_my_day .o_kanban_record:contains(No Mail Hotel)",
            run: "click",
        },
        {
            content: "Start the timer",
            trigger: ".o_form_view button[name=action_timer_start]",
            run: "click",
        },
        {
            content: "Stop the timer",
            trigger: ".o_form_view button[name=action_timer_stop]",
            run: "click",
        },
        {
            content: "Keep the time recorded",
            trigger: ".modal .modal-footer button.btn-primary:contains(Save)",
            run: "click",
        },
        {
            content: "The protocol is the job's to-do: the planned part is on it",
            trigger: "body:not(:has(.modal)) .o_form_view div[name=step_line_ids] .o_kanban_record:contains(Tour Nozzle)",
        },
        {
            content: "Each step's description is whole, not cut",
            trigger: ".o_form_view div[name=step_line_ids] .o_kanban_record:contains(Clean the burner) .o_service_step_name",
            run() {
                const name = this.anchor;
                if (name.scrollWidth > name.clientWidth + 1 || name.textContent.includes("…")) {
                    throw new Error(`the step is cut: "${name.textContent}"`);
                }
            },
        },
        fitsTheScreen("The checklist with its parts"),
        bigEnough("The checklist's toggles", ".o_form_view div[name=step_line_ids] div[name=done] .o-checkbox, .o_form_view div[name=step_line_ids] div[name=done] input", 3),
        {
            content: "Tick the step done",
            trigger: ".o_form_view div[name=step_line_ids] .o_kanban_record:contains(Clean the burner) div[name=done] input",
            run: "click",
        },
        {
            content: "Save the job",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "Saved",
            trigger: ".o_form_saved",
        },
        {
            content: "Close the job",
            trigger: ".o_form_view button[name=action_close_job]",
            run: "click",
        },
        {
            content: "The customer pays the work done only",
            trigger: ".modal div[name=amount_total]",
        },
        {
            content: "The planned work left is listed",
            trigger: ".modal div[name=planned_line_ids]:contains(Check the flue)",
        },
        fitsTheScreen("The close-out"),
        {
            content: "Keep the planned work for a follow-up job",
            trigger: ".modal div[name=planned_lines] label:contains(Follow-up)",
            run: "click",
        },
        {
            content: "The customer has no email: type the address",
            trigger: ".modal div[name=report_email] input",
            run: "edit frontdesk@nomail.example.com",
        },
        {
            content: "Customer name",
            trigger: ".modal .o_field_widget[name=signed_by] input",
            run: "edit Mario Rossi",
        },
        ...signByHand,
        {
            content: "Done and send the report",
            trigger: ".modal .modal-footer button[name=action_done_and_send]",
            run: "click",
        },
        {
            content: "The job is done, the report sent",
            trigger: "body:not(:has(.modal)) .o_form_view .o_statusbar_status:contains(Done)",
        },
        fitsTheScreen("The job done"),
    ],
});
