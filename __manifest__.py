# Copyright 2026 service_management authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "Service Management",
    "summary": "After-sales service: contracts, installed base, protocols, "
    "interventions, work reports and automatic invoicing",
    "version": "19.0.1.0.0",
    "category": "Services/Field Service",
    "website": "https://github.com/service-management/service_management",
    "author": "service_management authors",
    "license": "LGPL-3",
    "development_status": "Alpha",
    "application": True,
    "installable": True,
    "depends": [
        "sale_stock",
        "account",
        "hr_hourly_cost",
        "portal",
        "web_timeline",
    ],
    "data": [
        "security/service_security.xml",
        "security/ir.model.access.csv",
        "data/ir_sequence_data.xml",
        "data/ir_cron_data.xml",
        "views/service_activity_type_views.xml",
        "views/service_protocol_views.xml",
        "views/service_contract_views.xml",
        "views/service_intervention_views.xml",
        "views/service_intervention_line_views.xml",
        "views/hr_employee_views.xml",
        "views/sale_order_views.xml",
        "views/account_move_views.xml",
        "views/stock_lot_views.xml",
        "views/product_template_views.xml",
        "views/res_partner_views.xml",
        "views/res_config_settings_views.xml",
        "wizard/service_installed_base_backfill_views.xml",
        "views/service_menus.xml",
        "report/service_contract_report.xml",
        "report/service_intervention_report.xml",
        "report/service_work_report.xml",
        "data/mail_template_data.xml",
    ],
    "demo": [
        "demo/service_demo.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "service_management/static/tests/tours/**/*",
        ],
    },
}
