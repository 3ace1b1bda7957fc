import { registry } from "@web/core/registry";

// the page is never wider than the phone: no sideways scrolling
function fitsTheScreen(content) {
    return {
        content: `${content}: no sideways scrolling`,
        trigger: "body",
        run() {
            const width = document.documentElement.scrollWidth;
            if (width > window.innerWidth) {
                throw new Error(
                    `${content}: the page is ${width}px wide on a ${window.innerWidth}px screen`
                );
            }
        },
    };
}

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
            content: "Open today's job",
            trigger: ".o_kanban_record:contains(Phone Customer Srl)",
            run: "click",
        },
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
        {
            content: "Tick the mandatory step",
            trigger: ".o_form_view div[name=step_line_ids] .o_data_row:contains(Check the flue) div[name=done] input",
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
        {
            content: "Customer name",
            trigger: ".modal .o_field_widget[name=signed_by] input",
            run: "edit Mario Rossi",
        },
        {
            content: "Open the signature pad",
            trigger: ".modal .o_field_widget[name=signature] .o_signature",
            run: "click",
        },
        {
            content: "Sign with the typed name",
            trigger: ".modal .o_web_sign_auto_button",
            run: "click",
        },
        {
            content: "Adopt the signature",
            trigger: ".modal .modal-footer button.btn-primary:contains(Adopt):enabled",
            run: "click",
        },
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
            trigger: "body:not(:has(.modal)) .o_form_view div[name=step_line_ids] .o_data_row:contains(Tour Nozzle)",
        },
        fitsTheScreen("The checklist with its parts"),
        {
            content: "Tick the step done",
            trigger: ".o_form_view div[name=step_line_ids] .o_data_row:contains(Clean the burner) div[name=done] input",
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
        {
            content: "Open the signature pad",
            trigger: ".modal .o_field_widget[name=signature] .o_signature",
            run: "click",
        },
        {
            content: "Sign with the typed name",
            trigger: ".modal .o_web_sign_auto_button",
            run: "click",
        },
        {
            content: "Adopt the signature",
            trigger: ".modal .modal-footer button.btn-primary:contains(Adopt):enabled",
            run: "click",
        },
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
