import { registry } from "@web/core/registry";

function addLine(lineType, fieldName, value) {
    // on a phone the work lines stay editable inline, as on a desktop
    const row = ".o_form_view div[name=line_ids] .o_selected_row";
    const steps = [
        {
            content: `Add a ${lineType} line`,
            trigger: ".o_form_view div[name=line_ids] .o_field_x2many_list_row_add a",
            run: "click",
        },
        {
            content: "A new line is being edited",
            trigger: `${row} div[name=line_type]`,
        },
    ];
    if (lineType !== "Activity") {
        steps.push(
            {
                content: "Open the line type choices",
                trigger: `${row} div[name=line_type] .o_select_menu_toggler`,
                run: "click",
            },
            {
                content: `It is a ${lineType}`,
                trigger: `.o_select_menu_item:contains(${lineType})`,
                run: "click",
            }
        );
    }
    steps.push(
        {
            content: `Pick ${value}`,
            trigger: `${row} div[name=${fieldName}] input`,
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
            trigger: `${row} div[name=${fieldName}] input:value(${value})`,
        }
    );
    return steps;
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
            trigger: ".o_form_view button[name=action_start]",
            run: "click",
        },
        {
            content: "It is in progress",
            trigger: ".o_form_view button[name=action_done]",
        },
        ...addLine("Activity", "activity_type_id", "Phone Repair"),
        ...addLine("Spare Part", "product_id", "Phone Gasket"),
        {
            content: "Save the intervention",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "Saved with both lines",
            trigger: ".o_form_saved div[name=line_ids]:contains(Phone Repair):contains(Phone Gasket)",
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
