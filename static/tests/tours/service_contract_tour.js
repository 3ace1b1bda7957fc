import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("service_contract_sale_tour", {
    steps: () => [
        {
            content: "New quotation",
            trigger: ".o_list_button_add, .o-kanban-button-new",
            run: "click",
        },
        {
            content: "Pick the customer",
            trigger: ".o_field_widget[name=partner_id] input",
            run: "edit Tour Hotel Spa",
        },
        {
            content: "Select Tour Hotel Spa",
            trigger: ".o-autocomplete--dropdown-menu .dropdown-item:contains(Tour Hotel Spa)",
            run: "click",
        },
        {
            content: "Add a product",
            trigger: "div[name=order_line] .o_field_x2many_list_row_add a",
            run: "click",
        },
        {
            content: "Type the maintenance plan",
            trigger: "div[name=order_line] .o_selected_row div[name=product_template_id] input",
            run: "edit Tour maintenance plan",
        },
        {
            content: "Select it",
            trigger: ".o-autocomplete--dropdown-menu .dropdown-item:contains(Tour maintenance plan)",
            run: "click",
        },
        {
            content: "The price is set",
            trigger: "div[name=order_line] .o_selected_row div[name=price_unit] input:value(600.00)",
        },
        {
            content: "Confirm the quotation",
            trigger: "button[name=action_confirm]:not(.d-none)",
            run: "click",
        },
        {
            content: "Open the contract created by the order",
            trigger: "button[name=action_view_service_contracts]:contains(1)",
            run: "click",
        },
        {
            content: "The contract is running for the customer",
            trigger:
                ".o_form_view .o_statusbar_status button[aria-checked=true]:contains(Running)",
        },
        {
            content: "It bills the maintenance plan",
            trigger: ".o_form_view div[name=line_ids] .o_data_row:contains(Tour maintenance plan)",
        },
    ],
});
