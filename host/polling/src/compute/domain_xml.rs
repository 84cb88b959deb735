//! What the compute pollsters read from a libvirt domain's XML: disks,
//! interfaces, OS type and architecture, and Nova's metadata element.

use roxmltree::{Document, Node};

/// Nova's metadata namespaces, newest first (Ceilometer's `NOVA_METADATA_VERSIONS`).
pub const NOVA_NAMESPACES: [&str; 2] = [
    "http://openstack.org/xmlns/libvirt/nova/1.1",
    "http://openstack.org/xmlns/libvirt/nova/1.0",
];

/// A domain's description, as far as the pollsters need it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DomainXml {
    /// `<name>`: the libvirt name (Nova's `instance-0000000a`).
    pub name: String,
    /// `<uuid>`.
    pub uuid: String,
    /// `<os><type>` text (`hvm`).
    pub os_type: Option<String>,
    /// `<os><type arch=..>`.
    pub arch: Option<String>,
    /// Target devices of the disks that have a `<source>` (`vda`).
    pub disks: Vec<String>,
    /// The interfaces with a target device and a MAC address.
    pub vnics: Vec<Vnic>,
    /// Nova's `<nova:instance>` metadata, if present and complete.
    pub nova: Option<NovaInstance>,
}

/// One `<interface>` of the domain.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Vnic {
    /// `<target dev=..>` (`tap1234`).
    pub name: String,
    /// `<mac address=..>`.
    pub mac: String,
    /// `<filterref filter=..>`, if any.
    pub fref: Option<String>,
    /// `<filterref><parameter>` names (lower case) and values, plus
    /// `interfaceid` (`<virtualport><parameters interfaceid=..>`) and
    /// `bridge` (`<source bridge=..>`), `None` when absent.
    pub parameters: Vec<(String, Option<String>)>,
}

/// Nova's metadata element of an instance.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NovaInstance {
    /// `<nova:name>`: the display name.
    pub name: String,
    /// `<nova:owner><nova:user uuid=..>`.
    pub user_id: String,
    /// `<nova:owner><nova:project uuid=..>`.
    pub project_id: String,
    /// `<nova:flavor>`.
    pub flavor: Flavor,
    /// `<nova:root type="image" uuid=..>`.
    pub image_id: Option<String>,
    /// `<nova:image>` (Nova 2025.2+): image_meta keys and values.
    pub image_meta: Option<Vec<(String, Option<String>)>>,
}

/// `<nova:flavor>`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Flavor {
    /// `id` attribute (Nova 2025.2+); else the name (Ceilometer without the Nova API).
    pub id: String,
    /// `name` attribute.
    pub name: String,
    /// `<nova:vcpus>` (0 when absent, as Ceilometer's `_safe_find_int`).
    pub vcpus: i64,
    /// `<nova:memory>` in MiB.
    pub ram: i64,
    /// `<nova:disk>` in GiB.
    pub disk: i64,
    /// `<nova:ephemeral>` in GiB.
    pub ephemeral: i64,
    /// `<nova:swap>` in MiB.
    pub swap: i64,
    /// `<nova:extraSpecs>` (Nova 2025.2+), if present.
    pub extra_specs: Option<Vec<(String, Option<String>)>>,
}

fn child<'a>(node: Node<'a, 'a>, name: &str) -> Option<Node<'a, 'a>> {
    node.children()
        .find(|c| c.is_element() && c.tag_name().name() == name)
}

fn children<'a>(node: Node<'a, 'a>, name: &'a str) -> impl Iterator<Item = Node<'a, 'a>> {
    node.children()
        .filter(move |c| c.is_element() && c.tag_name().name() == name)
}

fn text(node: Option<Node<'_, '_>>) -> Option<String> {
    node.and_then(|n| n.text()).map(|t| t.trim().to_owned())
}

/// Parses a domain's XML (`virDomainGetXMLDesc`). An instance whose Nova
/// element lacks the owner, name or flavor gets `nova: None` and
/// `nova_error` says what was missing.
pub fn parse(xml: &str) -> Result<(DomainXml, Option<String>), String> {
    let doc = Document::parse(xml).map_err(|e| format!("domain XML: {e}"))?;
    let root = doc.root_element();
    if root.tag_name().name() != "domain" {
        return Err(format!(
            "domain XML: the root element is <{}>, not <domain>",
            root.tag_name().name()
        ));
    }
    let mut out = DomainXml {
        name: text(child(root, "name")).unwrap_or_default(),
        uuid: text(child(root, "uuid")).unwrap_or_default(),
        ..DomainXml::default()
    };
    if let Some(os_type) = child(root, "os").and_then(|os| child(os, "type")) {
        out.os_type = os_type.text().map(|t| t.trim().to_owned());
        out.arch = os_type.attribute("arch").map(str::to_owned);
    }
    if let Some(devices) = child(root, "devices") {
        for disk in children(devices, "disk") {
            if child(disk, "source").is_none() {
                continue;
            }
            if let Some(dev) = child(disk, "target").and_then(|t| t.attribute("dev"))
                && !dev.is_empty()
            {
                out.disks.push(dev.to_owned());
            }
        }
        out.vnics = children(devices, "interface").filter_map(vnic).collect();
    }
    let mut nova_error = None;
    if let Some(metadata) = child(root, "metadata") {
        let element = NOVA_NAMESPACES.iter().find_map(|ns| {
            metadata.children().find(|c| {
                c.is_element()
                    && c.tag_name().name() == "instance"
                    && c.tag_name().namespace() == Some(ns)
            })
        });
        if let Some(element) = element {
            match nova(element) {
                Ok(n) => out.nova = Some(n),
                Err(e) => nova_error = Some(e),
            }
        }
    }
    Ok((out, nova_error))
}

fn vnic(iface: Node<'_, '_>) -> Option<Vnic> {
    let name = child(iface, "target")?.attribute("dev")?.to_owned();
    let mac = child(iface, "mac")?.attribute("address")?.to_owned();
    let filterref = child(iface, "filterref");
    let fref = filterref
        .and_then(|f| f.attribute("filter"))
        .map(str::to_owned);
    let mut parameters: Vec<(String, Option<String>)> = filterref
        .into_iter()
        .flat_map(|f| children(f, "parameter"))
        .filter_map(|p| {
            Some((
                p.attribute("name")?.to_lowercase(),
                p.attribute("value").map(str::to_owned),
            ))
        })
        .collect();
    let interfaceid = child(iface, "virtualport")
        .and_then(|v| child(v, "parameters"))
        .and_then(|p| p.attribute("interfaceid"))
        .map(str::to_owned);
    let bridge = child(iface, "source")
        .and_then(|s| s.attribute("bridge"))
        .map(str::to_owned);
    parameters.retain(|(k, _)| k != "interfaceid" && k != "bridge");
    parameters.push(("interfaceid".to_owned(), interfaceid));
    parameters.push(("bridge".to_owned(), bridge));
    Some(Vnic {
        name,
        mac,
        fref,
        parameters,
    })
}

fn nova(element: Node<'_, '_>) -> Result<NovaInstance, String> {
    let owner = child(element, "owner").ok_or("no <owner>")?;
    let user_id = child(owner, "user")
        .and_then(|u| u.attribute("uuid"))
        .ok_or("no <owner><user uuid=..>")?
        .to_owned();
    let project_id = child(owner, "project")
        .and_then(|p| p.attribute("uuid"))
        .ok_or("no <owner><project uuid=..>")?
        .to_owned();
    let name = text(child(element, "name")).ok_or("no <name>")?;
    let flavor_node = child(element, "flavor").ok_or("no <flavor>")?;
    let flavor_name = flavor_node
        .attribute("name")
        .ok_or("no <flavor name=..>")?
        .to_owned();
    let int = |tag: &str| -> Result<i64, String> {
        match text(child(flavor_node, tag)) {
            None => Ok(0),
            Some(t) => t
                .parse()
                .map_err(|_| format!("<flavor><{tag}> `{t}` is not an integer")),
        }
    };
    let pairs = |node: Node<'_, '_>, tag: &'static str| -> Vec<(String, Option<String>)> {
        children(node, tag)
            .filter_map(|e| Some((e.attribute("name")?.to_owned(), e.text().map(str::to_owned))))
            .collect()
    };
    let flavor = Flavor {
        id: flavor_node
            .attribute("id")
            .map_or_else(|| flavor_name.clone(), str::to_owned),
        name: flavor_name,
        vcpus: int("vcpus")?,
        ram: int("memory")?,
        disk: int("disk")?,
        ephemeral: int("ephemeral")?,
        swap: int("swap")?,
        extra_specs: child(flavor_node, "extraSpecs").map(|e| pairs(e, "extraSpec")),
    };
    let image_id = children(element, "root")
        .find(|r| r.attribute("type") == Some("image"))
        .and_then(|r| r.attribute("uuid"))
        .map(str::to_owned);
    let image_meta = child(element, "image").map(|image| {
        let mut meta = Vec::new();
        if let Some(uuid) = image.attribute("uuid") {
            meta.push(("base_image_ref".to_owned(), Some(uuid.to_owned())));
        }
        for (tag, key) in [
            ("containerFormat", "container_format"),
            ("diskFormat", "disk_format"),
            ("minDisk", "min_disk"),
            ("minRam", "min_ram"),
        ] {
            if let Some(node) = child(image, tag) {
                meta.push((key.to_owned(), node.text().map(str::to_owned)));
            }
        }
        if let Some(props) = child(image, "properties") {
            meta.extend(pairs(props, "property"));
        }
        meta
    });
    Ok(NovaInstance {
        name,
        user_id,
        project_id,
        flavor,
        image_id,
        image_meta,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const XML: &str = r#"<domain type='kvm'>
  <name>instance-0000000a</name>
  <uuid>2f8f8b9c-1c5f-4c1e-9d4e-0a9a1f1a2b01</uuid>
  <metadata>
    <nova:instance xmlns:nova="http://openstack.org/xmlns/libvirt/nova/1.1">
      <nova:name>web-1</nova:name>
      <nova:flavor name="m1.small">
        <nova:memory>2048</nova:memory><nova:disk>20</nova:disk><nova:swap>0</nova:swap>
        <nova:ephemeral>5</nova:ephemeral><nova:vcpus>2</nova:vcpus>
      </nova:flavor>
      <nova:owner>
        <nova:user uuid="user-1">alice</nova:user>
        <nova:project uuid="project-1">demo</nova:project>
      </nova:owner>
      <nova:root type="image" uuid="image-1"/>
    </nova:instance>
  </metadata>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices>
    <disk type='file' device='disk'><source file='/d'/><target dev='vda' bus='virtio'/></disk>
    <disk type='file' device='cdrom'><target dev='hdc' bus='ide'/></disk>
    <interface type='bridge'>
      <mac address='fa:16:3e:00:00:01'/>
      <source bridge='br-int'/>
      <virtualport type='openvswitch'><parameters interfaceid='port-1'/></virtualport>
      <target dev='tap0001'/>
      <filterref filter='nova-instance-1'><parameter name='IP' value='10.0.0.5'/></filterref>
    </interface>
    <interface type='network'><mac address='fa:16:3e:00:00:02'/></interface>
  </devices>
</domain>"#;

    #[test]
    fn reads_devices_and_nova_metadata() {
        let (d, err) = parse(XML).expect("parses");
        assert_eq!(err, None);
        assert_eq!(d.name, "instance-0000000a");
        assert_eq!(d.os_type.as_deref(), Some("hvm"));
        assert_eq!(d.arch.as_deref(), Some("x86_64"));
        assert_eq!(d.disks, ["vda"], "the cdrom has no source");
        assert_eq!(
            d.vnics.len(),
            1,
            "an interface without target is not polled"
        );
        let v = &d.vnics[0];
        assert_eq!(v.fref.as_deref(), Some("nova-instance-1"));
        assert_eq!(
            v.parameters,
            [
                ("ip".to_owned(), Some("10.0.0.5".to_owned())),
                ("interfaceid".to_owned(), Some("port-1".to_owned())),
                ("bridge".to_owned(), Some("br-int".to_owned())),
            ]
        );
        let n = d.nova.expect("nova metadata");
        assert_eq!(
            (n.name.as_str(), n.user_id.as_str(), n.project_id.as_str()),
            ("web-1", "user-1", "project-1")
        );
        assert_eq!(n.flavor.id, "m1.small", "no id attribute: the name");
        assert_eq!(
            (
                n.flavor.vcpus,
                n.flavor.ram,
                n.flavor.disk,
                n.flavor.ephemeral
            ),
            (2, 2048, 20, 5)
        );
        assert_eq!(n.image_id.as_deref(), Some("image-1"));
        assert_eq!(n.image_meta, None);
    }

    #[test]
    fn incomplete_nova_metadata_is_reported_and_bad_xml_refused() {
        let xml = XML.replace("<nova:project uuid=\"project-1\">demo</nova:project>", "");
        let (d, err) = parse(&xml).expect("parses");
        assert_eq!(d.nova, None);
        assert_eq!(err.as_deref(), Some("no <owner><project uuid=..>"));
        assert!(parse("<domain>").unwrap_err().starts_with("domain XML:"));
        assert!(parse("<node/>").unwrap_err().contains("not <domain>"));
        let bad_int = XML.replace("<nova:vcpus>2</nova:vcpus>", "<nova:vcpus>two</nova:vcpus>");
        assert!(
            parse(&bad_int)
                .expect("parses")
                .1
                .expect("error")
                .contains("`two` is not an integer")
        );
    }
}
