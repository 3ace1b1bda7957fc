/**
 * The dispatcher's day on a map (service_management): a day picker, the map
 * of every technician's route, each route's stops as a list, the jobs with
 * no place, and Optimise Route. Beside the planning board, and on its own as
 * the client action "Day Routes".
 * License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
 */
import { Component, onWillStart, onWillUpdateProps, useState, useSubEnv } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { _t } from "@web/core/l10n/translation";
import { serializeDate } from "@web/core/l10n/dates";
import { Layout } from "@web/search/layout";
import { useSetupAction } from "@web/search/action_hook";
import { getDefaultConfig } from "@web/views/view";
import { ServiceRouteMap } from "./service_route_map";
import {
    formatKm,
    formatMinutes,
    formatSpan,
    formatWindow,
    hasCoordinates,
    technicianColor,
} from "./service_route_links";

const { DateTime } = luxon;

/** The day shown first: today, or on a weekend the next Monday (as the
 * planning board). */
export function firstDay(now = DateTime.now()) {
    return (now.weekday > 5 ? now.plus({ weeks: 1 }).startOf("week") : now).startOf("day");
}

// the day last shown: back from a job, the map shows it again
let lastDay = null;

export class ServiceDayRoutes extends Component {
    static template = "service_management.ServiceDayRoutes";
    static components = { ServiceRouteMap };
    static props = {
        date: { type: String, optional: true },
        employeeIds: { type: Array, optional: true },
        // the planning board reloads itself after an optimisation
        onRoutesChanged: { type: Function, optional: true },
        onClose: { type: Function, optional: true },
        // the client action's context (default_date, default_employee_ids)
        context: { type: Object, optional: true },
    };

    setup() {
        this.orm = useService("orm");
        this.actionService = useService("action");
        const context = this.props.context || {};
        const date = this.props.date || context.default_date;
        this.state = useState({
            day: date ? DateTime.fromISO(date) : lastDay || firstDay(),
            technicians: [],
            missing: [],
            loading: true,
        });
        this.loadToken = 0;
        this.employeeIds = this.props.employeeIds || context.default_employee_ids || null;
        onWillStart(() => this.load());
        // the planning board moved to another day: the map follows it
        onWillUpdateProps((next) => {
            if (next.date && next.date !== this.props.date && next.date !== this.dateString) {
                this.state.day = DateTime.fromISO(next.date);
                return this.load();
            }
        });
    }

    get dateString() {
        return serializeDate(this.state.day);
    }

    get routes() {
        return this.state.technicians.map((technician, index) => ({
            technician,
            color: technicianColor(technician, index),
        }));
    }

    get totalKm() {
        return this.state.technicians.reduce((sum, t) => sum + (t.km || 0), 0);
    }

    get noPlaceStops() {
        // the jobs without a place, and any stop of a route drawn without one
        const jobs = [...this.state.missing];
        const listed = new Set(jobs.map((job) => job.id));
        for (const technician of this.state.technicians) {
            for (const stop of technician.stops) {
                if (!hasCoordinates(stop) && !listed.has(stop.id)) {
                    listed.add(stop.id);
                    jobs.push(stop);
                }
            }
        }
        return jobs;
    }

    async load() {
        // days clicked through quickly: only the last one's answer counts
        const token = ++this.loadToken;
        this.state.loading = true;
        lastDay = this.state.day;
        const kwargs = {};
        if (this.employeeIds && this.employeeIds.length) {
            kwargs.employee_ids = this.employeeIds;
        }
        const data = await this.orm.call(
            "service.intervention",
            "get_route_map_data",
            [this.dateString],
            kwargs
        );
        if (token !== this.loadToken) {
            return;
        }
        this.state.technicians = data.technicians || [];
        this.state.missing = data.missing || [];
        this.state.loading = false;
    }

    async shiftDay(days) {
        this.state.day = this.state.day.plus({ days });
        await this.load();
    }

    async onDateChange(ev) {
        const day = DateTime.fromISO(ev.target.value);
        if (day.isValid) {
            this.state.day = day;
            await this.load();
        }
    }

    openJob(stop) {
        this.actionService.doAction({
            type: "ir.actions.act_window",
            res_model: "service.intervention",
            res_id: stop.id,
            views: [[false, "form"]],
            target: "current",
        });
    }

    async optimise(technician = null) {
        // one route, or every technician the map shows
        const employeeIds = technician
            ? [technician.id]
            : this.state.technicians.map((t) => t.id);
        const context = { default_date: this.dateString };
        if (employeeIds.length) {
            context.default_employee_ids = employeeIds;
        }
        await this.actionService.doAction("service_management.action_service_route_optimize", {
            additionalContext: context,
            onClose: async () => {
                await this.load();
                if (this.props.onRoutesChanged) {
                    await this.props.onRoutesChanged();
                }
            },
        });
    }

    stopSpan(stop) {
        return formatSpan(stop.scheduled_start, stop.scheduled_end);
    }

    windowSpan(stop) {
        return formatWindow(stop);
    }

    stopWarning(stop) {
        return [stop.is_late ? _t("Late") : "", stop.has_conflict ? _t("Conflict") : ""]
            .filter(Boolean)
            .join(", ");
    }

    formatKm(km) {
        return formatKm(km);
    }

    formatMinutes(minutes) {
        return formatMinutes(minutes);
    }

}

/** Day Routes on its own (Service › Operations › Day Routes): the map as
 * large as the screen, with the breadcrumbs of the web client. */
export class ServiceDayRoutesAction extends Component {
    static template = "service_management.ServiceDayRoutesAction";
    static components = { Layout, ServiceDayRoutes };
    static props = ["*"];

    setup() {
        useSubEnv({ config: { ...getDefaultConfig(), ...this.env.config } });
        useSetupAction();
    }

    get routeProps() {
        const context = (this.props.action && this.props.action.context) || {};
        return { context };
    }
}

registry.category("actions").add("service_day_routes", ServiceDayRoutesAction);
