// LTI Dynamic Registration: tell the LMS window that opened this page that registration is finished.
(window.opener || window.parent).postMessage({ subject: "org.imsglobal.lti.close" }, "*");
