/**
 * The dispatcher's planning board (service_management): a web_timeline view
 * whose arch carries the class "o_service_planning_board".
 * License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
 */
import {TimelineController} from "@web_timeline/views/timeline/timeline_controller.esm";
import {TimelineModel} from "@web_timeline/views/timeline/timeline_model.esm";
import {TimelineRenderer} from "@web_timeline/views/timeline/timeline_renderer.esm";
import {TimelineView} from "@web_timeline/views/timeline/timeline_view.esm";
import {ServiceDayRoutes} from "../route/service_day_routes";
import {patch} from "@web/core/utils/patch";
import {registry} from "@web/core/registry";
import {useState, useSubEnv} from "@odoo/owl";
import {serializeDate} from "@web/core/l10n/dates";

const {DateTime} = luxon;

export const BOARD_CLASS = "o_service_planning_board";
const QUARTER_MS = 15 * 60 * 1000;
// a window of a day at most (Day, or Today: from now to the same time tomorrow)
const DAY_WINDOW_MS = 26 * 60 * 60 * 1000;
const LOCKED_STATES = ["done", "cancelled"];

function isBoard(params) {
    return (params.class || "").split(" ").includes(BOARD_CLASS);
}

/** Moves and resizes snap to a quarter hour. */
export function snapToQuarter(date) {
    return new Date(Math.round(date.valueOf() / QUARTER_MS) * QUARTER_MS);
}

/** The day the board opens on: today, or on a weekend the next Monday, so
 * the board shows the coming working week rather than a finished one. */
export function boardDay(now = DateTime.now()) {
    return now.weekday > 5 ? now.plus({weeks: 1}).startOf("week") : now;
}

patch(TimelineRenderer.prototype, {
    init_timeline() {
        if (isBoard(this.params)) {
            this.options.snap = snapToQuarter;
            // a week does not fit on a phone: it opens on today
            if (this.env.isSmall) {
                this.mode.data = "day";
            }
        }
        const result = super.init_timeline(...arguments);
        if (isBoard(this.params) && this.env.serviceBoardShowsDay) {
            // the board shows one day: its map shows the same day
            this.timeline.on("rangechanged", ({start, end}) => {
                if (end - start <= DAY_WINDOW_MS) {
                    this.env.serviceBoardShowsDay(DateTime.fromJSDate(start));
                }
            });
        }
        return result;
    },
    _computeMode() {
        const result = super._computeMode(...arguments);
        if (isBoard(this.params) && ["day", "week"].includes(this.mode.data)) {
            const day = boardDay();
            this.options.start = day.startOf(this.mode.data).toJSDate();
            this.options.end = day.endOf(this.mode.data).toJSDate();
        }
        return result;
    },
    /** Day and Week show the working day and week of today (see boardDay),
     * Month the month of today. */
    _scaleToToday(unit) {
        const day = unit === "month" ? DateTime.now() : boardDay();
        this.timeline.setWindow(
            day.startOf(unit).toJSDate(),
            day.endOf(unit).toJSDate()
        );
    },
    _onScaleDayClicked() {
        if (!isBoard(this.params) || !this.timeline) {
            return super._onScaleDayClicked(...arguments);
        }
        this.mode.data = "day";
        this._scaleToToday("day");
    },
    _onScaleWeekClicked() {
        if (!isBoard(this.params) || !this.timeline) {
            return super._onScaleWeekClicked(...arguments);
        }
        this.mode.data = "week";
        this._scaleToToday("week");
    },
    _onScaleMonthClicked() {
        if (!isBoard(this.params) || !this.timeline) {
            return super._onScaleMonthClicked(...arguments);
        }
        this.mode.data = "month";
        this._scaleToToday("month");
    },
});

patch(TimelineModel.prototype, {
    /** Done and cancelled jobs are not dragged; a tooltip tells the job. */
    _event_data_transform(record) {
        const item = super._event_data_transform(...arguments);
        if (isBoard(this.params)) {
            if (LOCKED_STATES.includes(record.state)) {
                item.editable = false;
            }
            const customer = record.partner_id ? record.partner_id[1] : "";
            item.title = [record.name, customer, record.conflict_reason || ""]
                .filter(Boolean)
                .join("\n");
            if (record.has_conflict) {
                item.className = "o_service_conflict";
            }
        }
        return item;
    },
});

patch(TimelineController.prototype, {
    /** A refused move (a done job, no rights) puts the item back. */
    async internalMove() {
        if (!isBoard(this.model.params)) {
            return super.internalMove(...arguments);
        }
        const queues = this.moveQueue.slice();
        this.moveQueue = [];
        try {
            for (const item of queues) {
                await this.model.write_completed(item.id, item.data);
                item.callback(item.item);
            }
        } catch (error) {
            for (const item of queues) {
                item.callback(null);
            }
            throw error;
        } finally {
            await this.model.load(this.getSearchProps());
            this.render();
        }
    },
});

/** The board with the day's map beside it (below it on a phone): the map
 * shows on a desktop, a tap away on a phone. */
export class ServicePlanningBoardController extends TimelineController {
    setup() {
        super.setup();
        this.boardState = useState({showMap: !this.env.isSmall, mapDate: null});
        useSubEnv({
            serviceBoardShowsDay: (day) => {
                this.boardState.mapDate = serializeDate(day);
            },
        });
    }

    toggleMap() {
        this.boardState.showMap = !this.boardState.showMap;
    }

    /** After Optimise Route the jobs moved: the board shows them again. */
    async reloadBoard() {
        await this.model.load(this.getSearchProps());
        this.render(true);
    }
}
ServicePlanningBoardController.template = "service_management.ServicePlanningBoard";
ServicePlanningBoardController.components = {
    ...TimelineController.components,
    ServiceDayRoutes,
};

registry.category("views").add("service_planning_board", {
    ...TimelineView,
    Controller: ServicePlanningBoardController,
});
