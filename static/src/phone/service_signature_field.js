import { registry } from "@web/core/registry";
import { SignatureField, signatureField } from "@web/views/fields/signature/signature_field";

/**
 * The customer signs with a finger: the signature dialog opens in "Draw"
 * (Odoo's widget opens in "Auto", a signature generated from the typed name,
 * whenever a name is known). "Auto" and "Load" stay one tap away.
 */
export class ServiceSignatureField extends SignatureField {
    setup() {
        super.setup();
        const dialog = this.dialogService;
        this.dialogService = {
            ...dialog,
            add: (Component, props, options) =>
                dialog.add(
                    Component,
                    {
                        ...props,
                        nameAndSignatureProps: { ...props.nameAndSignatureProps, mode: "draw" },
                    },
                    options
                ),
        };
    }
}

registry.category("fields").add("service_signature", {
    ...signatureField,
    component: ServiceSignatureField,
});
