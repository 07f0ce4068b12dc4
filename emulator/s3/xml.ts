/**
 * The little XML the S3 subset needs: writing answers (escaped text, nested elements) and reading
 * the few request documents (CreateBucketConfiguration, CompleteMultipartUpload,
 * VersioningConfiguration), which are flat enough to read by element name.
 */

export const S3_NAMESPACE = "http://s3.amazonaws.com/doc/2006-03-01/";

/** A value to write: text, a number, a boolean, nested elements, or a list of repeated elements. */
export type XmlValue = string | number | boolean | undefined | XmlElements | XmlElements[];
export interface XmlElements {
    [name: string]: XmlValue;
}

export function escapeXml(text: string): string {
    return text.replace(/[&<>"']/g, (character) => `&${ENTITIES[character]};`);
}

const ENTITIES: Record<string, string> = { "&": "amp", "<": "lt", ">": "gt", '"': "quot", "'": "apos" };
const DECODED: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

function unescapeXml(text: string): string {
    return text.replace(/&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/g, (_match, entity: string) => {
        if (entity.startsWith("#x")) return String.fromCodePoint(parseInt(entity.slice(2), 16));
        if (entity.startsWith("#")) return String.fromCodePoint(parseInt(entity.slice(1), 10));
        return DECODED[entity];
    });
}

/** A document `<root xmlns=S3>...</root>`; undefined members are left out. */
export function xmlDocument(root: string, content: XmlElements, namespace = true): string {
    const attributes = namespace ? ` xmlns="${S3_NAMESPACE}"` : "";
    return `<?xml version="1.0" encoding="UTF-8"?>\n<${root}${attributes}>${elements(content)}</${root}>`;
}

function elements(content: XmlElements): string {
    let xml = "";
    for (const [name, value] of Object.entries(content)) {
        if (value === undefined) continue;
        const items = Array.isArray(value) ? value : [value];
        for (const item of items) {
            const inner = typeof item === "object" ? elements(item) : escapeXml(String(item));
            xml += `<${name}>${inner}</${name}>`;
        }
    }
    return xml;
}

/** The text of every `<name>...</name>` in `xml`, unescaped, in document order (namespace prefixes ignored). */
export function elementTexts(xml: string, name: string): string[] {
    const pattern = new RegExp(`<(?:\\w+:)?${name}(?:\\s[^>]*)?>([\\s\\S]*?)</(?:\\w+:)?${name}>`, "g");
    return [...xml.matchAll(pattern)].map((match) => unescapeXml(match[1].trim()));
}

/** The text of the first `<name>` element, or undefined. */
export function elementText(xml: string, name: string): string | undefined {
    return elementTexts(xml, name)[0];
}
