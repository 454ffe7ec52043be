"""Reports for funders and collectivités: sessions, participants by profile, ideas by
source, projects by stage.
"""
