import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { isMobileOS } from "@web/core/browser/feature_detection";
import * as BarcodeScanner from "@web/core/barcode/barcode_dialog";
import { isBarcodeScannerSupported } from "@web/core/barcode/barcode_video_scanner";
import { CharField, charField } from "@web/views/fields/char/char_field";

/**
 * A text field with a camera button on phones: the scanned barcode or serial
 * is typed into the field (the server resolves it, see the "Add part" dialog).
 */
export class ServiceScanField extends CharField {
    static template = "service_management.ServiceScanField";

    setup() {
        super.setup();
        this.notification = useService("notification");
    }

    get canScan() {
        return !this.props.readonly && isMobileOS() && isBarcodeScannerSupported();
    }

    async onScan() {
        const code = await BarcodeScanner.scanBarcode(this.env);
        if (code) {
            await this.props.record.update({ [this.props.name]: code });
            if ("vibrate" in navigator) {
                navigator.vibrate(100);
            }
        } else {
            this.notification.add(_t("Please, scan again!"), { type: "warning" });
        }
    }
}

registry.category("fields").add("service_scan", {
    ...charField,
    component: ServiceScanField,
});
