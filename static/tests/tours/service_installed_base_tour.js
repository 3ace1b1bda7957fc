import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("service_installed_base_delivery_tour", {
    steps: () => [
        {
            content: "Validate the delivery",
            trigger: ".o_form_view button[name=button_validate]",
            run: "click",
        },
        {
            content: "The delivery is done",
            trigger: ".o_statusbar_status button[aria-checked=true]:contains(Done)",
        },
        {
            content: "Open the customer",
            trigger: ".o_field_widget[name=partner_id] a.o_form_uri",
            run: "click",
        },
        {
            content: "Open the customer's installed base",
            trigger: "button[name=action_view_service_installed_base]:contains(1)",
            run: "click",
        },
        {
            content: "Open the delivered serial",
            trigger: ".o_list_view .o_data_row td[name=name]:contains(HP-TOUR-0001)",
            run: "click",
        },
        {
            content: "It is installed at the customer",
            trigger: ".o_field_widget[name=service_partner_id] input:value(Tour Customer Srl)",
        },
        {
            content: "It is under warranty",
            trigger: ".o_form_view .ribbon:contains(Under Warranty)",
        },
        {
            content: "Its notes sheet is there",
            trigger: ".o_notebook a:contains(Notes)",
        },
    ],
});
