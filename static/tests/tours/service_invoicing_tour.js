import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";

function openCustomersMenu(item) {
    return [
        {
            content: "Open the Customers menu",
            trigger: ".o_main_navbar .o_menu_sections button:contains(Customers), .o_main_navbar .o_menu_sections a:contains(Customers)",
            run: "click",
        },
        {
            content: `Open ${item}`,
            trigger: `.o-dropdown--menu .dropdown-item:contains(${item})`,
            run: "click",
        },
    ];
}

registry.category("web_tour.tours").add("service_invoicing_tour", {
    steps: () => [
        ...stepUtils.goToAppSteps("account.menu_finance", "Open the Invoicing app"),
        ...openCustomersMenu("Contracts Due"),
        {
            content: "The due contract is listed",
            trigger: ".o_list_view .o_data_row:contains(Tour Invoiced Customer)",
        },
        ...openCustomersMenu("Create Service Invoices"),
        {
            content: "Preview what would be invoiced",
            trigger: ".modal button[name=action_preview]",
            run: "click",
        },
        {
            content: "The preview lists the contract",
            trigger: ".modal div[name=line_ids] .o_data_row:contains(Tour Invoiced Customer)",
        },
        {
            content: "Create the invoices",
            trigger: ".modal button[name=action_create_invoices]",
            run: "click",
        },
        {
            content: "Land on the created invoice",
            trigger: ".o_form_view .o_field_widget[name=partner_id]:contains(Tour Invoiced Customer), .o_form_view .o_field_widget[name=partner_id] input:value(Tour Invoiced Customer)",
        },
    ],
});
