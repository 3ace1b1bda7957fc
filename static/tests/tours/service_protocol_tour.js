import { registry } from "@web/core/registry";

function addStep(name, activityType) {
    return [
        {
            content: "Add a step",
            trigger: "div[name=step_ids] .o_field_x2many_list_row_add a",
            run: "click",
        },
        {
            content: `Name the step ${name}`,
            trigger: "div[name=step_ids] .o_selected_row div[name=name] input",
            run: `edit ${name}`,
        },
        {
            content: "Pick the activity type",
            trigger: "div[name=step_ids] .o_selected_row div[name=activity_type_id] input",
            run: `edit ${activityType}`,
        },
        {
            content: `Select ${activityType}`,
            trigger: `.o-autocomplete--dropdown-menu .dropdown-item:contains(${activityType})`,
            run: "click",
        },
        {
            content: "Activity type is set",
            trigger: `div[name=step_ids] .o_selected_row div[name=activity_type_id] input:value(${activityType})`,
        },
    ];
}

registry.category("web_tour.tours").add("service_protocol_create_tour", {
    steps: () => [
        {
            content: "Create a new protocol",
            trigger: ".o_list_button_add",
            run: "click",
        },
        {
            content: "Name it",
            trigger: ".o_field_widget[name=name] input",
            run: "edit Quarterly heat pump check",
        },
        {
            content: "Open the trigger choices",
            trigger: ".o_field_widget[name=trigger] .o_select_menu_toggler",
            run: "click",
        },
        {
            content: "Make it periodic",
            trigger: ".o_select_menu_item:contains(Periodic)",
            run: "click",
        },
        {
            content: "Every 3 months",
            trigger: ".o_field_widget[name=interval_number] input",
            run: "edit 3",
        },
        ...addStep("Check refrigerant pressure", "Tour Inspection"),
        ...addStep("Clean the filters", "Tour Repair"),
        ...addStep("Test the defrost cycle", "Tour Inspection"),
        {
            content: "Save the protocol",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "Three steps are listed",
            trigger: ".o_form_saved div[name=step_ids] .o_data_row:nth-child(3)",
        },
    ],
});
