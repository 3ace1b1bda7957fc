import { registry } from "@web/core/registry";

function addLine(button, fieldName, value) {
    // on a phone the work lines are cards; each kind of line has its dialog
    return [
        {
            content: `Open the ${button} dialog`,
            trigger: `body:not(:has(.modal)) .o_form_view button[name=${button}]`,
            run: "click",
        },
        {
            content: `Pick ${value}`,
            trigger: `.modal div[name=${fieldName}] input`,
            run: `edit ${value}`,
        },
        {
            // a phone opens a search dialog instead of an autocomplete dropdown
            content: `Select ${value}`,
            trigger: `.o-autocomplete--dropdown-menu .dropdown-item:contains(${value}), .modal .o_data_row:contains(${value}), .modal .o_kanban_record:contains(${value})`,
            run: "click",
        },
        {
            content: `${value} is set`,
            trigger: `.modal div[name=${fieldName}] input:value(${value})`,
        },
        {
            content: "Save the line",
            trigger: ".modal .modal-footer button.btn-primary:contains(Save)",
            run: "click",
        },
        {
            content: "The line is a card of the job",
            trigger: `body:not(:has(.modal)) .o_form_view div[name=line_ids] .o_kanban_record:contains(${value})`,
        },
    ];
}

registry.category("web_tour.tours").add("service_intervention_phone_tour", {
    steps: () => [
        {
            content: "Open today's intervention",
            trigger: ".o_kanban_record:contains(Phone Customer Srl)",
            run: "click",
        },
        {
            content: "Start it",
            trigger: ".o_form_view button[name=action_timer_start]",
            run: "click",
        },
        {
            content: "It is in progress",
            trigger: ".o_form_view button[name=action_done]",
        },
        ...addLine("action_add_hours", "activity_type_id", "Phone Repair"),
        ...addLine("action_add_part", "product_id", "Phone Gasket"),
        {
            content: "Saved with both lines",
            trigger: ".o_form_view div[name=line_ids]:contains(Phone Repair):contains(Phone Gasket)",
        },
        {
            content: "More actions",
            trigger: ".o_form_view .o_statusbar_buttons button[title=More]",
            run: "click",
        },
        {
            content: "Ask the customer to sign",
            trigger: ".o-dropdown--menu button[name=action_sign]",
            run: "click",
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
            content: "Save the signature",
            trigger: ".modal .modal-footer button.btn-primary:contains(Save)",
            run: "click",
        },
        {
            content: "Back on the intervention, signed",
            trigger: "body:not(:has(.modal)) .o_form_view button[name=action_done]",
        },
        {
            content: "Finish",
            trigger: ".o_form_view button[name=action_done]",
            run: "click",
        },
        {
            content: "Done",
            trigger: ".o_form_view:not(:has(button[name=action_done])) .o_statusbar_status:contains(Done)",
        },
    ],
});
