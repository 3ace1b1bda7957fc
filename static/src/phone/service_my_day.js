import { registry } from "@web/core/registry";
import { kanbanView } from "@web/views/kanban/kanban_view";
import { KanbanController } from "@web/views/kanban/kanban_controller";
import { useBus } from "@web/core/utils/hooks";
import { Component } from "@odoo/owl";
import { ServiceMyRoute } from "../route/service_my_route";

// the filters of the "Today" search view shown as switches, one at a time
const DAY_FILTERS = ["today", "next_days", "done"];

/**
 * Today / Next Days / Done as a row of buttons above the technician's jobs:
 * on a phone the search filters are two taps away, these are one.
 */
export class ServiceDaySwitch extends Component {
    static template = "service_management.ServiceDaySwitch";
    static props = {};

    setup() {
        useBus(this.env.searchModel, "update", () => this.render());
    }

    get items() {
        const searchModel = this.env.searchModel;
        return searchModel
            .getSearchItems((item) => item.type === "filter" && DAY_FILTERS.includes(item.name))
            .sort((a, b) => DAY_FILTERS.indexOf(a.name) - DAY_FILTERS.indexOf(b.name));
    }

    select(item) {
        if (item.isActive) {
            return;
        }
        const searchModel = this.env.searchModel;
        const ids = new Set(this.items.map((i) => i.id));
        // one search: drop the other switches, add this one
        searchModel.query = searchModel.query.filter((q) => !ids.has(q.searchItemId));
        searchModel.toggleSearchItem(item.id);
    }
}

export class ServiceMyDayController extends KanbanController {
    static template = "service_management.ServiceMyDayKanbanView";
    static components = { ...KanbanController.components, ServiceDaySwitch, ServiceMyRoute };
}

registry.category("views").add("service_my_day_kanban", {
    ...kanbanView,
    Controller: ServiceMyDayController,
});
