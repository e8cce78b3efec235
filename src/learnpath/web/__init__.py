"""learnpath.web"""
